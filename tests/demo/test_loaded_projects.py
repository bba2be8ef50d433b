"""The demo data carries the seed articles' figures."""

from datetime import date
from decimal import Decimal

import pytest

from pairings.demo import demo_load as pairings_demo_load
from pairings.models import Pairing, Region
from projects import demo
from projects.models import Need, Project
from projects.selectors import indicator_totals, needs_summary

pytestmark = pytest.mark.xdist_group("demo")


def test_demo_carries_the_seed_figures(demo_loaded):
    """One test: checking the regions and the demo (loaded once, conftest.py) is quick."""
    demo_pairings = pairings_demo_load()
    check_liupanshui_has_204_projects_for_2021_to_2023(demo_pairings)
    check_named_projects_and_seed_figures(demo_pairings)
    check_jianhe_needs_when_its_pairing_exists(demo_pairings)


def check_liupanshui_has_204_projects_for_2021_to_2023(demo_pairings):
    tree = Pairing.objects.descendant_ids([demo_pairings["zs-lps"].pk])
    projects = Project.objects.filter(pairing__in=tree, year__in=(2021, 2022, 2023))
    assert projects.count() == 204
    total = sum(projects.values_list("budget", flat=True))
    assert Decimal("5.0e8") <= total <= Decimal("5.3e8")
    assert set(projects.values_list("category", flat=True)) >= {
        "industry",
        "labour",
        "training",
        "rural_construction",
    }
    assert projects.filter(name__contains="现代农业产业园").count() == 3
    assert (
        projects.filter(name__contains="产业园建设项目").exclude(name__contains="农业").count() == 3
    )
    counties = {code[:6] for code in projects.values_list("region__code", flat=True)}
    assert counties == {"520201", "520203", "520204", "520281"}
    # 2021–2022 mostly finished, 2023 mixed.
    finished = projects.filter(year__lte=2022, status__in=("completed", "accepted")).count()
    assert finished / projects.filter(year__lte=2022).count() > 0.8
    assert projects.filter(year=2023, status="in_progress").exists()
    for project in projects.order_by("?")[:20]:
        project.full_clean()


def check_named_projects_and_seed_figures(demo_pairings):
    assert Project.objects.filter(pairing=demo_pairings["ca-bt"], status="in_progress").count() == 4
    assert Project.objects.filter(name__contains="天河教师发展中心").exists()
    assert Project.objects.filter(name__contains="远程超声医学中心", status="accepted").exists()
    xqg = [demo_pairings["th-xqg"].pk]
    labour = sum(
        indicator_totals(xqg, year).get("labour_transferred", 0) for year in (2021, 2022, 2023)
    )
    assert labour == 13_000
    guizhou = indicator_totals([demo_pairings["gd-gz"].pk], 2023)
    assert guizhou["new_technologies"] == 781 and guizhou["surgeries_taught"] == 9129
    assert guizhou["emergency_centres"] == 86 and guizhou["key_specialties"] == 23
    city = Pairing.objects.descendant_ids([demo_pairings["zs-lps"].pk])
    trained = sum(indicator_totals(city, year)["cadres_trained"] for year in (2021, 2022, 2023))
    assert trained > 300


def check_jianhe_needs_when_its_pairing_exists(demo_pairings):
    """The cadres demo adds 剑河县's pairing as ``gzy-jh``; the needs follow it."""
    jianhe = Pairing.objects.create(
        helping_region=Region.objects.get(code="520000"),
        helped_region=Region.objects.get(code="522629"),
        programme="team",
        level="county",
        start_date=date(2022, 3, 1),
    )
    summary = demo.demo_load({**demo_pairings, "gzy-jh": jianhe})
    assert "needs" in summary
    assert needs_summary([jianhe.pk], 2022) == {
        "collected": 124,
        "resolved": 90,
        "rate": Decimal("72.58"),
    }
    assert Need.objects.filter(pairing=jianhe, status="matched").count() == 24
    demo.demo_load({**demo_pairings, "gzy-jh": jianhe})  # idempotent
    assert Need.objects.filter(pairing=jianhe).count() == 124
