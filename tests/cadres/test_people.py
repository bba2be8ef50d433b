"""People: generated access tests, ID validation, masking everywhere and logged reveals."""

from datetime import date

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from aidtrack.core.models import ChangeRecord
from aidtrack.core.testing import ObjectAccessTests
from cadres.masking import mask_id_number, mask_phone
from cadres.models import Person, PersonalDataReveal
from cadres.validators import id_number_check_character, validate_id_number
from cadres.views import PersonViews
from pairings.models import Organization

PHONE = "13800138000"


def id_number(index: int, region: str = "520201") -> str:
    first_17 = f"{region}19850312{index:03d}"
    return first_17 + id_number_check_character(first_17)


ID_NUMBER = id_number(1)  # the first in-scope person's


def organisation(world, in_scope: bool) -> Organization:
    region = world.regions["lz" if in_scope else "dF"]
    return Organization.objects.get_or_create(
        name=f"{region.name}乡村振兴局", region=region, defaults={"kind": "government"}
    )[0]


def make_person(world, in_scope=True, index=0, **fields):
    values = {
        "name": f"{'' if in_scope else '外地'}测试干部{index}",
        "gender": "male",
        "birth_date": date(1985, 3, 12),
        "political_status": "party_member",
        "education": "bachelor",
        "id_number": id_number(index + (1 if in_scope else 500)),
        "phone": PHONE,
        "category": "cadre",
        "specialty": "economy",
        "rank": "四级调研员",
        "home_organization": organisation(world, in_scope),
    }
    values.update(fields)
    return Person.objects.create(**values)


class TestPersonAccess(ObjectAccessTests):
    views = PersonViews
    api_url = "api:person"
    update_changes = {"rank": "二级调研员"}

    def make_object(self, world, in_scope, index=0):
        return make_person(world, in_scope, index)

    def create_data(self, world, in_scope):
        return {
            "name": "新派干部",
            "gender": "female",
            "birth_date": "1985-03-12",
            "ethnicity": "苗族",
            "political_status": "party_member",
            "education": "master",
            "id_number": id_number(900),
            "phone": "0858-8221234",
            "category": "talent",
            "specialty": "medical",
            "title": "副主任医师",
            "home_organization": organisation(world, in_scope).pk,
        }


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("52020119850312001", "shape"),
        ("520201198513120019", "birth"),  # month 13
        (ID_NUMBER[:17] + ("1" if ID_NUMBER[17] != "1" else "2"), "checksum"),
    ],
)
def test_bad_id_numbers_say_why(value, code):
    with pytest.raises(ValidationError) as excinfo:
        validate_id_number(value)
    assert excinfo.value.code == code


def test_birth_date_must_match_the_id_number(world):
    person = Person(
        name="张三",
        gender="male",
        birth_date=date(1990, 1, 1),
        political_status="masses",
        education="bachelor",
        id_number=ID_NUMBER,
        category="cadre",
        specialty="economy",
        home_organization=organisation(world, True),
    )
    with pytest.raises(ValidationError) as excinfo:
        person.full_clean()
    assert "birth_date" in excinfo.value.message_dict


def test_masks():
    assert mask_id_number("442000198001011239") == "4420**********1239"
    assert mask_phone(PHONE) == "138****8000"


def test_no_page_export_api_or_history_leaks_the_numbers(world, client):
    person = make_person(world)
    admin = world.user("admin")
    client.force_login(admin)
    pages = [
        client.get("/cadres/people/").content,
        client.get(person.get_absolute_url()).content,
        client.get(f"/cadres/people/{person.pk}/edit/").content,
        client.get(f"/cadres/people/{person.pk}/history/").content,
        b"".join(client.get("/cadres/people/", {"export": "csv"}).streaming_content),
    ]
    api = APIClient()
    api.force_authenticate(admin)
    pages.append(api.get("/api/v1/people/").content)
    pages.append(api.get(f"/api/v1/people/{person.pk}/").content)
    for body in pages:
        text = body.decode("utf-8-sig", errors="replace")
        assert ID_NUMBER[:17] not in text and PHONE not in text
    assert f"5202**********{ID_NUMBER[-4:]}" in pages[1].decode()
    record = ChangeRecord.objects.for_object(person).get(action="create")
    assert record.changes["id_number"] == "***" and record.changes["phone"] == "***"


def test_editing_without_retyping_keeps_the_numbers(world, client):
    person = make_person(world)
    client.force_login(world.user("coordinator"))
    response = client.post(
        f"/cadres/people/{person.pk}/edit/",
        {
            "name": person.name,
            "gender": person.gender,
            "birth_date": "1985-03-12",
            "ethnicity": person.ethnicity,
            "political_status": person.political_status,
            "education": person.education,
            "id_number": "",
            "phone": "",
            "category": person.category,
            "specialty": person.specialty,
            "rank": "二级调研员",
            "home_organization": person.home_organization_id,
        },
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.id_number == ID_NUMBER and person.phone == PHONE and person.rank == "二级调研员"


def test_reveal_needs_the_permission_and_a_reason_and_is_logged(world, client):
    person = make_person(world)
    coordinator = world.user("coordinator")
    client.force_login(coordinator)
    url = f"/cadres/people/{person.pk}/reveal/"
    assert client.get(url).status_code == 403

    coordinator.user_permissions.add(Permission.objects.get(codename="reveal_personal_data"))
    client.force_login(coordinator)
    refused = client.post(url, {"field": "id_number", "reason": "x"})
    assert refused.status_code == 400 and not PersonalDataReveal.objects.exists()

    shown = client.post(url, {"field": "id_number", "reason": "办理意外伤害保险"})
    assert shown.status_code == 200 and ID_NUMBER in shown.content.decode()
    assert shown["Cache-Control"] == "no-store"
    log = PersonalDataReveal.objects.get()
    assert (log.revealed_by, log.field, log.reason) == (
        coordinator,
        "id_number",
        "办理意外伤害保险",
    )

    api = APIClient()
    api.force_authenticate(coordinator)
    answer = api.post(
        f"/api/v1/people/{person.pk}/reveal/", {"field": "phone", "reason": "联系体检安排"}
    )
    assert answer.status_code == 200 and answer.json()["value"] == PHONE
    assert PersonalDataReveal.objects.count() == 2

    outside = make_person(world, in_scope=False, index=7)
    assert client.get(f"/cadres/people/{outside.pk}/reveal/").status_code == 404


def test_leaders_without_permission_cannot_reveal_over_the_api(world):
    person = make_person(world)
    api = APIClient()
    api.force_authenticate(world.user("leader"))
    response = api.post(
        f"/api/v1/people/{person.pk}/reveal/", {"field": "phone", "reason": "想看看号码"}
    )
    assert response.status_code == 403
    assert not PersonalDataReveal.objects.exists()


def test_duplicate_id_number_is_refused_in_the_api(world):
    make_person(world)
    api = APIClient()
    api.force_authenticate(world.user("admin"))
    data = {
        "name": "重复",
        "gender": "male",
        "birth_date": "1985-03-12",
        "political_status": "masses",
        "education": "bachelor",
        "id_number": ID_NUMBER.lower(),
        "category": "cadre",
        "specialty": "economy",
        "home_organization": organisation(world, True).pk,
    }
    response = api.post("/api/v1/people/", data, format="json")
    assert response.status_code == 400
    assert "id_number" in response.json()["errors"]
