"""The demo, loaded whole, shows the Zhongshan article's figures on the overview.

Loading the regions and every app's demo takes a while, so one test loads
it once and runs each check on it. The figures are read as the overview
reads them (summaries through assessments.selectors), never hard-coded in
the app: they come from the records the other apps' demos load.
"""

from decimal import Decimal

import pytest
from django.test import Client

from accounts.models import User
from assessments.demo import demo_load
from assessments.models import OfficialGrade, PairingYearSummary, Rubric
from assessments.selectors import summaries_read, tiles_combine
from pairings.demo import demo_load as pairings_demo_load

pytestmark = pytest.mark.xdist_group("demo")

PERIOD = [2021, 2022, 2023]


def test_the_demo_overview_shows_the_seed_figures(demo_loaded):
    """The regions, indicators, default rubrics 2021–2025 and the demo (conftest.py)."""
    pairings = pairings_demo_load()  # idempotent: the demo pairings by key
    check_zhongshan_liupanshui_2021_to_2023(pairings)
    check_the_overview_page_shows_them(pairings)
    check_official_grades(pairings)
    check_every_summary_refreshed_without_error(pairings)
    check_reloading_changes_nothing(pairings)


def zhongshan_tiles(pairings) -> dict:
    zs_lps = pairings["zs-lps"].pk
    summaries = summaries_read([zs_lps], PERIOD)
    assert sorted(year for _pid, year in summaries) == PERIOD
    tiles = tiles_combine(summaries.values())
    return {key: tile["value"] for key, tile in tiles.items()}


def check_zhongshan_liupanshui_2021_to_2023(pairings):
    """中山→六盘水 (with its county pairings), 2021 to 2023, as the article counts."""
    tiles = zhongshan_tiles(pairings)
    assert tiles["cadres_sent"] == 18  # 18 名挂职干部
    assert tiles["professional_person_times"] >= 200  # 200多名专业技术人员
    assert tiles["talents_sent"] == 11  # 11 名“组团式”帮扶教育、医疗人才
    assert tiles["fiscal_aid"] == Decimal("504000000.00")  # 财政援助资金 5.04 亿元
    assert sum(tiles["projects_by_status"].values()) == 204  # 帮扶项目 204 个
    assert tiles["enterprises"] == 60  # 引导 60 家企业
    assert tiles["investment_in_place"] == Decimal("3591000000.00")  # 到位资金 35.91 亿元
    assert (tiles["parks_agricultural"], tiles["parks_industrial"]) == (3, 3)


def check_the_overview_page_shows_them(pairings):
    client = Client()
    client.force_login(User.objects.get(username="leader"))
    home = client.get("/", follow=True)
    assert home.redirect_chain[-1][0] == "/assessments/"
    page = client.get(
        "/assessments/", {"year": 2023, "from": 2021, "pairing": pairings["zs-lps"].pk}
    )
    assert page.status_code == 200
    shown = {tile["key"]: tile["value"] for tile in page.context["tiles"]}
    expected = zhongshan_tiles(pairings)
    for key in ("cadres_sent", "talents_sent", "fiscal_aid", "enterprises", "parks_industrial"):
        assert shown[key] == expected[key], key
    assert page.context["projects_total"] == 204
    body = page.content.decode()
    assert "5.04" in body and "35.91" in body  # 亿元, through the money filter
    # The province level ranks 中山→六盘水 with its official grade beside the computed one.
    province = client.get("/assessments/", {"year": 2022, "pairing": pairings["gd-gz"].pk})
    rows = {row["pairing"].pk: row for row in province.context["rows"]}
    zs_row = rows[pairings["zs-lps"].pk]
    assert zs_row["summary"]["grade"]
    assert {level: grade.grade for level, grade in zs_row["official"].items()} == {
        "national": "好",
        "provincial": "好",
    }


def check_official_grades(pairings):
    grades = OfficialGrade.objects.filter(pairing=pairings["zs-lps"])
    assert {(g.year, g.level, g.grade) for g in grades} == {
        (2021, "national", "好"),
        (2021, "provincial", "好"),
        (2022, "national", "好"),
        (2022, "provincial", "好"),
    }
    assert all(grade.document_reference for grade in grades)


def check_every_summary_refreshed_without_error(pairings):
    summaries = PairingYearSummary.objects.filter(pairing__in=[p.pk for p in pairings.values()])
    assert summaries.count() >= len(pairings) * 3
    assert not summaries.exclude(last_error="").exists()
    assert not summaries.filter(refreshed_at__isnull=True).exists()
    assert Rubric.objects.filter(year__range=(2021, 2025)).count() == 5


def check_reloading_changes_nothing(pairings):
    before = zhongshan_tiles(pairings)
    summary = demo_load(pairings)
    assert summary.endswith(" 0 failed")
    assert zhongshan_tiles(pairings) == before
