"""Dashboard selectors, recomputed here from the raw rows; the hub tabs and API that show them."""

import random
from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from pairings.models import Pairing
from projects.choices import NeedStatus, ProjectCategory, ProjectStatus
from projects.models import Need, OutcomeReport, Project
from projects.selectors import (
    indicator_totals,
    needs_summary,
    projects_by_category,
    projects_by_status,
    projects_completed,
)
from tests import shared
from tests.projects.conftest import make_indicator, make_need, make_project


@shared.layer("scene")
def _scene_layer(state):
    state["scene"] = build_scene(state["world"])


@pytest.fixture
def scene(shared_state, world):
    """Projects, reports and needs spread over the tree, other pairings and other years;
    a shared layer (tests/shared.py)."""
    if shared_state is not None and "scene" in shared_state:
        return shared_state["scene"]
    return build_scene(world)


def build_scene(world):
    rng = random.Random(7)  # noqa: S311 - test data
    pairings = [world.pairings["zs-lps"], world.in_scope_pairing, world.out_of_scope_pairing]
    for index in range(40):
        pairing = rng.choice(pairings)
        status = rng.choice(ProjectStatus.values)
        done = status in (ProjectStatus.COMPLETED, ProjectStatus.ACCEPTED)
        make_project(
            world,
            index=index,
            pairing=pairing,
            region=pairing.helped_region,
            year=rng.choice([2022, 2023]),
            category=rng.choice(ProjectCategory.values),
            status=status,
            actual_start_date=date(2022, 1, 5) if done else None,
            actual_end_date=date(rng.choice([2022, 2023]), 6, 1) if done else None,
        )
    summed = make_indicator("summed", "人", aggregation="sum")
    largest = make_indicator("largest", "个", aggregation="max")
    running = make_indicator("running", "个", aggregation="latest")
    projects = list(Project.objects.all())
    for index in range(60):
        indicator = rng.choice([summed, largest, running])
        subject = (
            {"project": rng.choice(projects)}
            if index % 3 == 0
            else {"pairing": rng.choice(pairings)}
        )
        OutcomeReport.objects.get_or_create(
            indicator=indicator,
            year=rng.choice([2022, 2023]),
            month=rng.randint(1, 12),
            **subject,
            defaults={
                "value": Decimal(rng.randint(0, 500)),
                "status": rng.choice(["draft", "submitted", "approved", "approved", "returned"]),
            },
        )
    for index in range(30):
        pairing = rng.choice(pairings)
        status = rng.choice(NeedStatus.values)
        collected = date(rng.choice([2022, 2023]), rng.randint(1, 6), 1)
        make_need(
            world,
            index=index,
            pairing=pairing,
            raised_by_region=pairing.helped_region,
            collected_on=collected,
            status=status,
            resolved_on=date(2023, 12, 1) if status == NeedStatus.RESOLVED else None,
        )
    return Pairing.objects.descendant_ids([world.pairings["zs-lps"].pk])


@pytest.mark.parametrize("year", [2022, 2023, None])
def test_projects_by_status_and_category(scene, year):
    rows = [p for p in Project.objects.all() if p.pairing_id in scene and year in (None, p.year)]
    by_status = projects_by_status(scene, year)
    by_category = projects_by_category(scene, year)
    assert by_status == {s: Counter(p.status for p in rows)[s] for s in ProjectStatus.values}
    assert by_category == {c: Counter(p.category for p in rows)[c] for c in ProjectCategory.values}
    assert sum(by_status.values()) == len(rows) > 0


@pytest.mark.parametrize("year", [2022, 2023])
def test_projects_completed(scene, year):
    expected = sum(
        1
        for p in Project.objects.all()
        if p.pairing_id in scene
        and p.status in ("completed", "accepted")
        and p.actual_end_date.year == year
    )
    assert projects_completed(scene, year) == expected


def recompute_totals(pairing_ids, year) -> dict:
    """Straight from the rows: approved only, by each indicator's aggregation."""
    values = defaultdict(list)
    latest = defaultdict(dict)
    for report in OutcomeReport.objects.select_related("indicator", "project"):
        subject_pairing = report.project.pairing_id if report.project_id else report.pairing_id
        if report.status != "approved" or report.year != year or subject_pairing not in pairing_ids:
            continue
        code = report.indicator.code
        values[code].append(report.value)
        subject = (report.pairing_id, report.project_id)
        current = latest[code].get(subject)
        if current is None or report.period_end_month > current.period_end_month:
            latest[code][subject] = report
    totals = {}
    for code, found in values.items():
        if code == "summed":
            totals[code] = sum(found)
        elif code == "largest":
            totals[code] = max(found)
        else:
            totals[code] = sum(report.value for report in latest[code].values())
    return totals


@pytest.mark.parametrize("year", [2022, 2023])
def test_indicator_totals_count_approved_reports_only(scene, year):
    totals = indicator_totals(scene, year)
    assert totals == recompute_totals(scene, year)
    assert totals  # the scene has approved reports in both years


def test_unapproved_reports_never_count(world):
    indicator = make_indicator("summed", "人")
    pairing = world.in_scope_pairing
    for month, status in enumerate(["draft", "submitted", "returned", "approved"], start=1):
        OutcomeReport.objects.create(
            indicator=indicator, pairing=pairing, year=2023, month=month, value=10, status=status
        )
    assert indicator_totals([pairing.pk], 2023) == {"summed": Decimal(10)}
    assert indicator_totals([world.out_of_scope_pairing.pk], 2023) == {}


@pytest.mark.parametrize("year", [2022, 2023])
def test_needs_summary(scene, year):
    rows = [n for n in Need.objects.all() if n.pairing_id in scene and n.collected_on.year == year]
    resolved = sum(1 for n in rows if n.status == "resolved")
    summary = needs_summary(scene, year)
    assert summary["collected"] == len(rows) and summary["resolved"] == resolved
    expected_rate = (Decimal(resolved) * 100 / len(rows)).quantize(Decimal("0.01"))
    assert summary["rate"] == expected_rate
    assert needs_summary(scene, 1999) == {"collected": 0, "resolved": 0, "rate": None}


def test_api_totals_equal_the_sums_of_the_reports(world, scene):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {world.token('coordinator')}")
    city = world.pairings["zs-lps"].pk
    response = api.get("/api/v1/outcome-reports/totals/", {"pairing": city, "year": 2023})
    assert response.status_code == 200
    expected = recompute_totals(scene, 2023)
    assert response.json()["totals"] == {code: str(value) for code, value in expected.items()}
    # The figure's records: the list filtered the same way adds up to the sum.
    listed = api.get(
        "/api/v1/outcome-reports/",
        {"pairing": city, "year": 2023, "indicator": "summed", "status": "approved"},
    ).json()["results"]
    assert sum(Decimal(row["value"]) for row in listed) == expected["summed"]
    outside = world.out_of_scope_pairing.pk
    assert (
        api.get("/api/v1/outcome-reports/totals/", {"pairing": outside, "year": 2023}).status_code
        == 404
    )


def test_hub_tabs_show_the_selectors_figures(world, scene, client):
    client.force_login(world.user("coordinator"))
    city = world.pairings["zs-lps"]
    url = f"/pairings/pairings/{city.pk}/"
    outcomes = client.get(url, {"tab": "outcomes"})
    assert outcomes.status_code == 200
    shown = {
        row["indicator"].code: {year: value for year, value, _url in row["values"]}
        for row in outcomes.context["outcome_rows"]
    }
    for year in outcomes.context["outcome_years"]:
        for code, total in indicator_totals(scene, year).items():
            assert shown[code][year] == total
    needs = client.get(url, {"tab": "needs"})
    for row in needs.context["need_rows"]:
        assert row["collected"] == needs_summary(scene, row["year"])["collected"]
    projects = client.get(url, {"tab": "projects"})
    assert sum(row["total"] for row in projects.context["project_rows"]) == sum(
        projects_by_status(scene).values()
    )
    assert {"projects", "outcomes", "needs"} <= {tab.key for tab in projects.context["hub_tabs"]}
