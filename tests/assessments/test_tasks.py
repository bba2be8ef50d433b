"""Refreshes after changes (on commit, debounced, up the pairing tree) and nightly."""

from decimal import Decimal as D

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from aidtrack.core import summaries
from assessments import tasks
from assessments.models import PairingYearSummary
from assessments.services import rubric_load_default
from tests.assessments.conftest import ASSESSED_YEAR

YEAR = ASSESSED_YEAR


@pytest.fixture
def queued(monkeypatch):
    """What schedule_refresh queues on a broker, instead of running it."""
    calls = []
    monkeypatch.setattr(tasks, "_without_broker", lambda: False)
    monkeypatch.setattr(
        tasks.refresh_summary,
        "apply_async",
        lambda args, countdown=None: calls.append((tuple(args), countdown)),
    )
    return calls


def test_the_core_signal_reaches_the_scheduler(world, queued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        summaries.changed(world.pairings["zsg-sc"].pk, YEAR)
    refreshed = {args for args, _countdown in queued}
    # The county pairing and every pairing above it, for the year and the next.
    expected = {
        (world.pairings[key].pk, year)
        for key in ("zsg-sc", "zs-lps", "gd-gz")
        for year in (YEAR, YEAR + 1)
    }
    assert refreshed == expected
    assert {countdown for _args, countdown in queued} == {tasks.DEBOUNCE_SECONDS}


def test_nothing_is_queued_before_commit_nor_after_rollback(
    world, queued, django_capture_on_commit_callbacks
):
    with pytest.raises(RuntimeError), transaction.atomic():
        summaries.changed(world.pairings["zs-lps"].pk, YEAR)
        assert queued == []
        raise RuntimeError("the write failed")
    assert queued == []
    # The rolled-back batch is gone: the next transaction's change is queued.
    with django_capture_on_commit_callbacks(execute=True):
        summaries.changed(world.pairings["th-xqg"].pk, YEAR)
    assert (world.pairings["th-xqg"].pk, YEAR) in {args for args, _ in queued}
    assert (world.pairings["zs-lps"].pk, YEAR) not in {args for args, _ in queued}


def test_changes_in_a_burst_share_one_refresh(world, queued, django_capture_on_commit_callbacks):
    pairing = world.pairings["gz-bj"]
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(50):
            summaries.changed(pairing.pk, YEAR)
    with django_capture_on_commit_callbacks(execute=True):
        summaries.changed(pairing.pk, YEAR)  # later, while the first refresh is still pending
    assert sorted(args for args, _ in queued) == sorted(
        {(pairing.pk, YEAR), (pairing.pk, YEAR + 1), (world.pairings["gd-gz"].pk, YEAR)}
        | {(world.pairings["gd-gz"].pk, YEAR + 1)}
    )


def test_a_future_year_is_never_refreshed(world, queued, django_capture_on_commit_callbacks):
    current = timezone.localdate().year
    with django_capture_on_commit_callbacks(execute=True):
        summaries.changed(world.pairings["gd-gz"].pk, current)
    assert {args for args, _ in queued} == {(world.pairings["gd-gz"].pk, current)}


def test_a_refresh_task_runs_the_service_and_clears_the_mark(
    world, indicators, ledger, django_capture_on_commit_callbacks
):
    rubric_load_default(year=YEAR)
    pairing = world.pairings["th-xqg"]
    # Eager Celery (no REDIS_URL): the queued task runs right after the commit.
    with django_capture_on_commit_callbacks(execute=True):
        ledger.allocation(pairing, YEAR, "5000000")  # announces its pairing-year
    summary = PairingYearSummary.objects.get(pairing=pairing, year=YEAR)
    assert D(summary.tiles["fiscal_aid"]["value"]) == D(5_000_000)
    assert PairingYearSummary.objects.filter(pairing=world.pairings["gz-bj"], year=YEAR).exists()
    # The pending mark is gone, so the next change queues a new refresh.
    with django_capture_on_commit_callbacks(execute=True):
        ledger.allocation(pairing, YEAR, "2000000")
    summary.refresh_from_db()
    assert D(summary.tiles["fiscal_aid"]["value"]) == D(7_000_000)


def test_nightly_refresh_covers_every_pairing_and_recent_year(world):
    counts = tasks.refresh_all.delay().get()
    current = timezone.localdate().year
    years = set(range(current - tasks.NIGHTLY_YEARS + 1, current + 1))
    rows = set(PairingYearSummary.objects.values_list("pairing_id", "year"))
    assert rows == {(p.pk, y) for p in world.pairings.values() for y in years}
    assert counts == {"refreshed": len(rows), "failed": 0}


def test_beat_schedules_the_nightly_refresh():
    entry = settings.CELERY_BEAT_SCHEDULE["assessments-nightly-refresh"]
    assert entry["task"] == tasks.refresh_all.name


def test_without_a_broker_the_refresh_runs_at_once_not_through_apply_async(world, monkeypatch):
    """Eager apply_async sets Celery's process-wide "inside a task" flag; threads committing
    at once (tests/funds/test_concurrency.py) could leave it set for every later .get()."""

    def refuse(*args, **kwargs):
        raise AssertionError("apply_async is for a broker")

    monkeypatch.setattr(tasks.refresh_summary, "apply_async", refuse)
    pairing = world.pairings["gz-bj"]
    tasks.queue_refresh(pairing.pk, YEAR)
    assert PairingYearSummary.objects.filter(pairing=pairing, year=YEAR).exists()
