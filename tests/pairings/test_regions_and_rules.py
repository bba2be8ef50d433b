"""Loading the division codes, and the rules every pairing obeys."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from pairings.choices import PairingStatus, RegionLevel
from pairings.models import Pairing, Region
from pairings.services import regions_load
from tests.factories import PairingFactory


@pytest.mark.django_db
def test_load_regions_is_complete_idempotent_and_nests_towns():
    written = regions_load()
    assert written == Region.objects.count() > 44_000
    assert regions_load() == 0  # nothing to do the second time

    nanqu = Region.objects.get(code="442000005")
    assert nanqu.full_name == "广东省 › 中山市 › 南区街道"
    # Zhongshan has no counties: its towns hang directly under the prefecture.
    assert nanqu.parent.code == "442000" and nanqu.parent.level == RegionLevel.PREFECTURE
    assert Region.objects.get(code="520204").full_name == "贵州省 › 六盘水市 › 水城区"
    assert not Region.objects.filter(level=RegionLevel.COUNTY, code="442000").exists()


def test_child_sides_must_lie_within_parent(world):
    child = Pairing(
        helping_region=world.regions["zs"],
        helped_region=world.regions["xqg"],  # 七星关 is in 毕节, not 六盘水
        programme="east_west",
        level="county",
        parent=world.pairings["zs-lps"],
        start_date=date(2021, 3, 1),
    )
    with pytest.raises(ValidationError) as excinfo:
        child.full_clean()
    assert "helped_region" in excinfo.value.message_dict


def test_child_period_must_lie_within_parent(world):
    parent = world.pairings["zs-lps"]
    child = Pairing(
        helping_region=world.regions["zs"],
        helped_region=world.regions["lz"],
        programme="east_west",
        level="county",
        parent=parent,
        start_date=date(2020, 1, 1),
    )
    with pytest.raises(ValidationError) as excinfo:
        child.full_clean()
    assert "start_date" in excinfo.value.message_dict


def test_pairing_cannot_be_its_own_ancestor(world):
    province = world.pairings["gd-gz"]
    province.parent = world.pairings["zsg-sc"]
    with pytest.raises(ValidationError) as excinfo:
        province.full_clean()
    assert "parent" in excinfo.value.message_dict


def test_no_duplicate_active_pairing_but_history_is_kept(world):
    existing = world.pairings["zsg-sc"]
    duplicate = Pairing(
        helping_region=existing.helping_region,
        helped_region=existing.helped_region,
        programme=existing.programme,
        level="county",
        parent=existing.parent,
        start_date=date(2022, 1, 1),
    )
    with pytest.raises(ValidationError):
        duplicate.full_clean()
    # Ending the old pairing makes room for the new one: a reassignment.
    existing.status, existing.end_date = PairingStatus.ENDED, date(2021, 12, 31)
    existing.full_clean()
    existing.save()
    duplicate.full_clean()
    duplicate.save()
    assert Pairing.objects.filter(helped_region=existing.helped_region).count() == 2


def test_end_before_start_is_refused(world):
    pairing = PairingFactory.build(
        helping_region=world.regions["by"],
        helped_region=world.regions["pz"],
        start_date=date(2022, 1, 1),
        end_date=date(2021, 1, 1),
    )
    with pytest.raises(ValidationError):
        pairing.full_clean()


def test_coordinator_scope_covers_descendants_only(world):
    coordinator = world.user("coordinator")
    visible = set(Pairing.objects.for_user(coordinator))
    assert visible == {world.pairings["zs-lps"], world.pairings["zsg-sc"]}


def test_descendants_endpoint_lists_the_subtree(world, client):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(world.user("leader"))
    response = api.get(f"/api/v1/pairings/{world.pairings['gd-gz'].pk}/descendants/")
    assert response.status_code == 200
    names = {row["helped_region_detail"]["name"] for row in response.json()["results"]}
    assert names == {"六盘水市", "毕节市", "水城区", "七星关区"}


def test_region_search_by_code_prefix_and_name(world, client):
    client.force_login(world.user("leader"))
    by_name = client.get("/pairings/regions/", {"q": "中山"})
    assert {obj.code for obj, _ in by_name.context["rows"]} >= {"442000", "442000003"}
    by_code = client.get("/pairings/regions/", {"q": "5202"})
    assert all(obj.code.startswith("5202") for obj, _ in by_code.context["rows"])


def test_region_picker_suggests_by_name_and_code_and_accepts_either(world, client):
    client.force_login(world.user("coordinator"))
    by_name = client.get("/pairings/regions/suggest/", {"helping_region": "中山"})
    assert "442000 广东省 › 中山市" in by_name.content.decode()
    by_code = client.get("/pairings/regions/suggest/", {"q": "5202"})
    assert "520204 贵州省 › 六盘水市 › 水城区" in by_code.content.decode()

    from pairings.forms import PairingForm

    data = {
        "helping_region": "442000 广东省 › 中山市",
        "helped_region": "520203",
        "programme": "east_west",
        "level": "county",
        "parent": world.pairings["zs-lps"].pk,
        "start_date": "2021-03-01",
        "status": "active",
    }
    form = PairingForm(data, user=world.user("coordinator"))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["helped_region"] == world.regions["lz"]
    form = PairingForm({**data, "helped_region": "999999"}, user=world.user("coordinator"))
    assert not form.is_valid() and "helped_region" in form.errors


def test_region_picker_never_renders_every_region(world, client):
    client.force_login(world.user("admin"))
    page = client.get("/pairings/pairings/add/").content.decode()
    assert '<option value="' + str(world.regions["zs"].pk) not in page
    assert 'hx-get="/pairings/regions/suggest/"' in page


def test_region_page_shows_the_way_up_and_down(world, client):
    client.force_login(world.user("coordinator"))
    page = client.get(world.regions["lps"].get_absolute_url())
    assert [r.name for r in page.context["ancestors"]] == ["贵州省"]
    assert {r.name for r in page.context["children"]} >= {"水城区", "六枝特区"}
    town = client.get(world.regions["zsg"].get_absolute_url())
    assert [r.name for r in town.context["ancestors"]] == ["广东省", "中山市"]


def test_open_ended_child_of_an_ended_parent_is_refused(world):
    parent = world.pairings["zs-lps"]
    parent.end_date, parent.status = date(2023, 12, 31), PairingStatus.ENDED
    parent.save()
    child = world.pairings["zsg-sc"]
    with pytest.raises(ValidationError) as excinfo:
        child.full_clean()
    assert "end_date" in excinfo.value.message_dict
    child.end_date = date(2023, 12, 31)
    child.full_clean()
