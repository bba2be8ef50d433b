"""Refreshing a summary: figures from the selectors, targets, points, idempotence, failures.

test_end_to_end.py checks every figure against the raw rows; here the
arithmetic of one summary, the selector calls it makes and what a failure
leaves behind.
"""

import importlib
from datetime import date
from decimal import Decimal as D

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from rest_framework.test import APIClient

import funds.selectors
from aidtrack.core.testing import ADMIN
from assessments import sources
from assessments.default_rubric import DEFAULT_ITEMS
from assessments.figures import IndicatorFigureSerializer
from assessments.models import PairingYearSummary, Rubric
from assessments.services import assessment_refresh, rubric_load_default
from tests import shared
from tests.assessments.conftest import ASSESSED_YEAR, Ledger, agreement_targets

YEAR = ASSESSED_YEAR


def figures_by_code(summary, method="completion"):
    return {f["code"]: f for f in summary.figures if f["method"] == method}


@shared.layer("assessed")
def _assessed_layer(state):
    ledger = Ledger(state["world"])
    state["assessed"] = build_assessed(state["world"], ledger)
    state["ledger"] = ledger


@pytest.fixture
def assessed(shared_state, world, indicators, ledger):
    """中山→六盘水 with records in 2022 and 2023, and the default rubric for 2023;
    a shared layer (tests/shared.py)."""
    if shared_state is not None and "assessed" in shared_state:
        return shared_state["assessed"]
    return build_assessed(world, ledger)


def build_assessed(world, ledger):
    rubric_load_default(year=YEAR)
    zs_lps, zsg_sc = world.pairings["zs-lps"], world.pairings["zsg-sc"]
    ledger.allocation(zs_lps, YEAR, "150000000")
    ledger.allocation(zsg_sc, YEAR, "30000000")
    ledger.allocation(zs_lps, YEAR - 1, "120000000")
    ledger.project(zs_lps, YEAR, committed="100", disbursed="90", spent="90")
    ledger.report("labour_transferred", YEAR, 3000, pairing=zs_lps)
    ledger.report("labour_transferred", YEAR, 1000, pairing=zsg_sc)
    for month in (2, 3, 4):
        ledger.need(zs_lps, date(YEAR, month, 1), resolved_on=date(YEAR, month, 20))
    ledger.need(zs_lps, date(YEAR, 5, 1))
    agreement_targets(zs_lps, YEAR, fiscal_aid=20000, labour_transferred=5000, needs_resolved=2)
    return zs_lps


def test_refresh_computes_figures_targets_points_and_grade(assessed):
    summary = assessment_refresh(pairing=assessed, year=YEAR)
    figures = figures_by_code(summary)
    fiscal = figures["fiscal_aid"]
    # 1.5亿 of the city pairing + 0.3亿 of the county pairing below, in 万元.
    assert D(fiscal["actual"]) == D("18000.00")
    assert D(fiscal["target"]) == D(20000)
    assert D(fiscal["completion"]) == D("90.00")
    assert D(fiscal["previous"]) == D("12000.00")
    assert D(fiscal["change"]) == D("50.00")
    assert D(fiscal["points"]) == D("10.80")  # 12 × 90 %
    growth = figures_by_code(summary, "growth")["fiscal_aid"]
    assert D(growth["points"]) == D("4.00")  # +50 % over a 10 % cap
    assert D(figures["labour_transferred"]["actual"]) == D(4000)
    assert D(figures["labour_transferred"]["points"]) == D("6.40")  # 8 × 80 %
    assert D(figures["needs_resolved"]["points"]) == D("6.00")  # 150 % capped at 120 % of 5
    assert D(figures["fund_execution_rate"]["actual"]) == D("90.00")
    assert figures["cadres_sent"]["target"] is None and D(figures["cadres_sent"]["points"]) == 0
    assert summary.score == sum(D(f["points"]) for f in summary.figures)
    assert summary.score == D("10.80") + D("4.00") + D("6.40") + D("6.00")
    assert summary.grade == "较差"
    assert summary.refreshed_at is not None and not summary.failed
    # Money tiles stay in yuan for the money filter.
    assert D(summary.tiles["fiscal_aid"]["value"]) == D("180000000")
    assert summary.tiles["needs_resolved"]["value"] == 3


def test_figures_are_stored_in_the_apis_form(assessed, world):
    """Every number with two decimals (a count too: "4000.00"), the serializer's fields and
    no others: what the API writes, and it writes the stored figures as they are."""
    summary = assessment_refresh(pairing=assessed, year=YEAR)
    labour = figures_by_code(summary)["labour_transferred"]
    assert labour["actual"] == "4000.00"
    for figure in summary.figures:
        assert dict(IndicatorFigureSerializer(figure).data) == figure
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {world.token(ADMIN)}")
    body = api.get("/api/v1/assessments/", {"id": summary.pk}).json()
    assert body["results"][0]["indicators"] == summary.figures


def test_figures_stored_before_are_brought_to_that_form(assessed):
    """Migration 0004: "316" becomes "316.00", the value kept; no other key changes."""
    migration = importlib.import_module("assessments.migrations.0004_figures_in_published_form")
    summary = assessment_refresh(pairing=assessed, year=YEAR)
    as_before = [
        {**figure, "actual": str(D(figure["actual"]).normalize()), "target": None}
        for figure in summary.figures
    ]
    PairingYearSummary.objects.filter(pk=summary.pk).update(figures=as_before)
    migration.figures_in_cents(django_apps, None)
    stored = PairingYearSummary.objects.get(pk=summary.pk).figures
    assert stored == [{**figure, "target": None} for figure in summary.figures]
    assert any(
        before["actual"] != after["actual"] for before, after in zip(as_before, stored, strict=True)
    )


def test_one_selector_call_per_refresh(assessed, monkeypatch):
    calls = []
    real = funds.selectors.funds_summaries

    def counted(groups, years):
        calls.append(sorted(years))
        return real(groups, years)

    monkeypatch.setattr(funds.selectors, "funds_summaries", counted)
    assessment_refresh(pairing=assessed, year=YEAR)
    # Six indicators and eight tiles read the funds figures: one set-based call for the
    # year and the year before (growth).
    assert calls == [[YEAR - 1, YEAR]]


def test_an_item_may_leave_out_the_pairings_below(assessed):
    item = Rubric.objects.get(year=YEAR).items.get(
        indicator__code="fiscal_aid", method="completion"
    )
    item.aggregate_descendants = False
    item.save()
    summary = assessment_refresh(pairing=assessed, year=YEAR)
    fiscal = figures_by_code(summary)["fiscal_aid"]
    assert D(fiscal["actual"]) == D("15000.00")
    # The allocation list's pairing filter includes the county below: no list shows
    # exactly these records, so the figure links nowhere rather than to the wrong rows.
    assert fiscal["url"] is None
    assert figures_by_code(summary, "growth")["fiscal_aid"]["url"]


def test_refresh_is_idempotent(assessed):
    first = assessment_refresh(pairing=assessed, year=YEAR)
    second = assessment_refresh(pairing=assessed, year=YEAR)
    assert PairingYearSummary.objects.filter(pairing=assessed, year=YEAR).count() == 1
    assert (first.pk, first.figures, first.tiles, first.score, first.grade) == (
        second.pk,
        second.figures,
        second.tiles,
        second.score,
        second.grade,
    )
    assert second.refreshed_at >= first.refreshed_at


def test_a_failed_refresh_keeps_the_previous_summary_and_says_so(
    assessed, monkeypatch, client, world
):
    before = assessment_refresh(pairing=assessed, year=YEAR)
    working = sources.COMPUTED["fiscal_aid"]

    def broken(facts):
        raise RuntimeError("funds database unreachable")

    monkeypatch.setitem(
        sources.COMPUTED,
        "fiscal_aid",
        sources.Source(broken, sources.COMPUTED["fiscal_aid"].list_url),
    )
    after = assessment_refresh(pairing=assessed, year=YEAR)
    assert after.pk == before.pk
    assert (after.figures, after.score, after.grade) == (before.figures, before.score, before.grade)
    assert after.refreshed_at == before.refreshed_at
    assert after.failed and "funds database unreachable" in after.last_error
    client.force_login(world.user("leader"))
    page = client.get(f"/assessments/pairing/{assessed.pk}/?year={YEAR}")
    assert page.context["summary"]["failed"]
    assert "funds database unreachable" in page.content.decode()
    # The next successful refresh clears the warning.
    monkeypatch.setitem(sources.COMPUTED, "fiscal_aid", working)
    assert not assessment_refresh(pairing=assessed, year=YEAR).failed


def test_a_first_refresh_that_fails_leaves_a_row_that_says_so(world, indicators, monkeypatch):
    rubric_load_default(year=YEAR)

    def broken(facts):
        raise LookupError("no such selector")

    monkeypatch.setattr(
        sources, "source_for", lambda code: sources.Source(broken, lambda p, y: None)
    )
    summary = assessment_refresh(pairing=world.pairings["gz-bj"], year=YEAR)
    assert summary.failed and summary.refreshed_at is None
    assert summary.figures == [] and summary.score is None
    assert "no such selector" in summary.last_error


def test_without_a_rubric_tiles_are_computed_and_nothing_is_scored(world, ledger):
    ledger.allocation(world.pairings["gz-bj"], 2020, "1000")
    summary = assessment_refresh(pairing=world.pairings["gz-bj"], year=2020)
    assert summary.figures == [] and summary.score is None and summary.grade == ""
    assert D(summary.tiles["fiscal_aid"]["value"]) == 1000


def test_default_rubric_is_complete_and_idempotent(indicators):
    first = rubric_load_default(year=2024)
    assert first.items_created == len(DEFAULT_ITEMS) and first.missing_indicators == ()
    assert sum(item.weight for item in first.rubric.items.all()) == 100
    assert [t.label for t in first.rubric.thresholds.all()] == ["好", "较好", "一般", "较差"]
    first.rubric.items.filter(indicator__code="donations").update(weight=D(9))
    again = rubric_load_default(year=2024)
    assert again.items_created == 0
    assert again.rubric.items.get(indicator__code="donations").weight == 9  # edits are kept


def test_default_rubric_command_reports_missing_indicators(db, capsys):
    call_command("load_default_rubric", "--years", "2021-2022")
    out, err = capsys.readouterr()
    assert "Rubric 2021" in out and "Rubric 2022" in out
    assert "fiscal_aid" in err  # the catalogue is empty here
    assert Rubric.objects.filter(year__in=[2021, 2022]).count() == 2
