"""Organisations, institution pairings, agreements, the tree and the pairing hub."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from pairings.models import Agreement, AgreementTarget, Organization, Pairing
from pairings.validators import validate_credit_code


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91110000600037341L"])
def test_valid_credit_codes_pass(code):
    validate_credit_code(code)


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("91350100M000100Y4", "length"),
        ("91350100M000100Y44", "checksum"),
        ("91350100M000100I43", "characters"),  # I is not in the alphabet
    ],
)
def test_invalid_credit_codes_say_why(code, reason):
    with pytest.raises(ValidationError) as excinfo:
        validate_credit_code(code)
    assert excinfo.value.code == reason


def test_credit_code_is_unique_and_normalised(world):
    first = Organization(
        name="中山市人民医院",
        kind="hospital",
        region=world.regions["zs"],
        credit_code="91350100m000100y43",
    )
    first.full_clean()
    first.save()
    assert first.credit_code == "91350100M000100Y43"
    second = Organization(
        name="另一家医院",
        kind="hospital",
        region=world.regions["zs"],
        credit_code="91350100M000100Y43",
    )
    with pytest.raises(ValidationError) as excinfo:
        second.full_clean()
    assert "统一社会信用代码" in str(excinfo.value) or "credit code" in str(excinfo.value)


def _institution_pairing(world, **overrides):
    helping, _ = Organization.objects.get_or_create(
        name="中山港街道社区卫生服务中心", kind="hospital", region=world.regions["zsg"]
    )
    helped, _ = Organization.objects.get_or_create(
        name="水城区人民医院", kind="hospital", region=world.regions["sc"]
    )
    fields = {
        "helping_region": world.regions["zsg"],
        "helped_region": world.regions["sc"],
        "helping_organization": helping,
        "helped_organization": helped,
        "programme": "team",
        "level": "institution",
        "parent": world.pairings["zsg-sc"],
        "start_date": date(2022, 3, 1),
    }
    fields.update(overrides)
    return Pairing(**fields)


def test_institution_pairing_names_both_organisations(world):
    pairing = _institution_pairing(world)
    pairing.full_clean()
    pairing.save()
    assert str(pairing) == "中山港街道社区卫生服务中心 → 水城区人民医院"
    missing = _institution_pairing(world, helped_organization=None)
    with pytest.raises(ValidationError) as excinfo:
        missing.full_clean()
    assert "helped_organization" in excinfo.value.message_dict


def test_organisation_must_lie_in_its_side(world):
    elsewhere = Organization.objects.create(
        name="七星关区人民医院", kind="hospital", region=world.regions["xqg"]
    )
    pairing = _institution_pairing(world, helped_organization=elsewhere)
    with pytest.raises(ValidationError) as excinfo:
        pairing.full_clean()
    assert "helped_organization" in excinfo.value.message_dict


def test_two_schools_in_the_same_counties_may_both_be_paired(world):
    first = _institution_pairing(world)
    first.full_clean()
    first.save()
    other_school = Organization.objects.create(
        name="水城区第二中学", kind="school", region=world.regions["sc"]
    )
    second = _institution_pairing(world, helped_organization=other_school)
    second.full_clean()  # different organisations: not a duplicate


def test_coordinator_sees_organisations_of_their_pairings_regions_only(world):
    inside = Organization.objects.create(
        name="六枝特区中学", kind="school", region=world.regions["lz"]
    )
    outside = Organization.objects.create(
        name="大方县中学", kind="school", region=world.regions["dF"]
    )
    visible = set(Organization.objects.for_user(world.user("coordinator")))
    assert inside in visible and outside not in visible
    assert {inside, outside} <= set(Organization.objects.for_user(world.user("leader")))


def test_agreement_attachment_type_and_size_are_checked(world, client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(world.user("coordinator"))
    pairing = world.in_scope_pairing
    bad = SimpleUploadedFile("协议.exe", b"MZ...", content_type="application/octet-stream")
    response = client.post(
        "/pairings/agreements/add/", {"pairing": pairing.pk, "year": 2023, "attachment": bad}
    )
    assert response.status_code == 400
    assert "attachment" in response.context["form"].errors
    assert not Agreement.objects.exists()
    good = SimpleUploadedFile("协议.pdf", b"%PDF-1.7 ...", content_type="application/pdf")
    response = client.post(
        "/pairings/agreements/add/", {"pairing": pairing.pk, "year": 2023, "attachment": good}
    )
    assert response.status_code == 302
    assert Agreement.objects.get().attachment.name.endswith(".pdf")


def test_one_agreement_per_pairing_and_year_and_no_negative_targets(world):
    agreement = Agreement.objects.create(pairing=world.in_scope_pairing, year=2023)
    with pytest.raises(ValidationError):
        Agreement(pairing=world.in_scope_pairing, year=2023).full_clean()
    target = AgreementTarget(
        agreement=agreement,
        indicator_code="labour",
        indicator_name="劳务输出",
        target=-1,
        unit="人次",
    )
    with pytest.raises(ValidationError):
        target.full_clean()


def test_pairing_hub_shows_children_and_agreements_in_scope(world, client):
    agreement = Agreement.objects.create(
        pairing=world.pairings["zs-lps"], year=2023, title="2023年协议"
    )
    AgreementTarget.objects.create(
        agreement=agreement,
        indicator_code="labour",
        indicator_name="劳务输出",
        target=13000,
        unit="人次",
    )
    client.force_login(world.user("coordinator"))
    page = client.get(world.pairings["zs-lps"].get_absolute_url()).content.decode()
    assert "中山港街道 → 水城区" in page
    assert "2023年协议" in page and "劳务输出" in page and "13,000" in page


def test_tree_nests_pairings_and_respects_scope(world, client):
    client.force_login(world.user("leader"))
    roots = client.get("/pairings/tree/").context["roots"]
    assert [str(node.pairing) for node in roots] == ["广东省 → 贵州省"]
    cities = {str(node.pairing): node for node in roots[0].children}
    assert set(cities) == {"中山市 → 六盘水市", "广州市 → 毕节市"}
    assert [str(n.pairing) for n in cities["中山市 → 六盘水市"].children] == ["中山港街道 → 水城区"]

    client.force_login(world.user("coordinator"))
    roots = client.get("/pairings/tree/").context["roots"]
    assert [str(node.pairing) for node in roots] == ["中山市 → 六盘水市"]


def test_pairing_filters_by_province_side_and_year(world, client):
    client.force_login(world.user("leader"))

    def listed(**params):
        response = client.get("/pairings/pairings/", params)
        return {str(obj) for obj, _cells in response.context["rows"]}

    assert listed(helped="520200") == {"中山市 → 六盘水市", "中山港街道 → 水城区"}
    assert listed(helping="440100") == {"广州市 → 毕节市", "天河区 → 七星关区"}
    assert len(listed(province="520000")) == 5
    assert listed(active_in_year=2020) == set()
    assert len(listed(active_in_year=2022)) == 5


def test_sides_cannot_be_overwritten_in_the_api(world):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(world.user("coordinator"))
    pairing = world.in_scope_pairing
    response = api.patch(
        f"/api/v1/pairings/{pairing.pk}/", {"helped_region": "520203"}, format="json"
    )
    assert response.status_code == 400
    assert "helped_region" in response.json()["errors"]
    pairing.refresh_from_db()
    assert pairing.helped_region == world.regions["sc"]


def test_reassignment_ends_the_pairing_and_starts_a_new_one(world, client):
    pairing = world.in_scope_pairing
    client.force_login(world.user("coordinator"))
    edit_page = client.get(f"/pairings/pairings/{pairing.pk}/edit/").content.decode()
    assert 'name="helped_region"' in edit_page and "disabled" in edit_page

    response = client.post(
        f"/pairings/pairings/{pairing.pk}/reassign/",
        {"effective": "2023-01-01", "helping_region": "442000003", "helped_region": "520203"},
    )
    assert response.status_code == 302, response.context["form"].errors
    pairing.refresh_from_db()
    assert pairing.status == "ended" and pairing.end_date == date(2022, 12, 31)
    successor = Pairing.objects.get(helped_region=world.regions["lz"])
    assert successor.start_date == date(2023, 1, 1)
    assert successor.parent == pairing.parent and successor.status == "active"


def test_reassignment_outside_scope_is_refused_and_rolled_back(world, client):
    pairing = world.in_scope_pairing
    client.force_login(world.user("coordinator"))
    response = client.post(
        f"/pairings/pairings/{pairing.pk}/reassign/",
        {"effective": "2023-01-01", "helping_region": "442000003", "helped_region": "520502"},
    )
    assert response.status_code == 400  # 七星关 is not within the parent's 六盘水
    pairing.refresh_from_db()
    assert pairing.status == "active" and pairing.end_date is None
    out = world.out_of_scope_pairing
    assert client.get(f"/pairings/pairings/{out.pk}/reassign/").status_code == 404


def test_reassigning_a_city_pairing_ends_the_pairings_below(world):
    from pairings.services import pairing_reassign

    city = world.pairings["zs-lps"]
    pairing_reassign(
        pairing=city,
        effective=date(2024, 1, 1),
        helping_region=world.regions["zs"],
        helped_region=world.regions["lps"],
        notes="2024年重新签订协议",
    )
    county = world.pairings["zsg-sc"]
    county.refresh_from_db()
    assert county.status == "ended" and county.end_date == date(2023, 12, 31)
    county.full_clean()  # history stays valid under its ended parent


def test_api_accepts_lower_case_credit_codes(world):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(world.user("admin"))
    response = api.post(
        "/api/v1/organizations/",
        {
            "name": "测试企业",
            "kind": "enterprise",
            "region": "520204",
            "credit_code": "91350100m000100y43",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["credit_code"] == "91350100M000100Y43"


def test_scope_changes_are_recorded(world):
    from aidtrack.core.audit import audit_context
    from aidtrack.core.models import ChangeRecord

    with audit_context(world.user("admin"), source="web"):
        world.user("leader").scope_pairings.add(world.pairings["gz-bj"])
    record = ChangeRecord.objects.get(
        table_name="accounts_user_scope_pairings",
        changes__pairing_id=world.pairings["gz-bj"].pk,
    )
    assert record.action == "create" and record.actor == world.user("admin")
