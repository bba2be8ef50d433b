"""Refreshes after changes (recorded with the write, run after the commit) and nightly."""

from decimal import Decimal as D

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from aidtrack.core import summaries
from assessments import tasks
from assessments.models import PairingYearSummary, RefreshRequest
from assessments.services import rubric_load_default
from tests.assessments.conftest import ASSESSED_YEAR

YEAR = ASSESSED_YEAR


def requested():
    return set(RefreshRequest.objects.values_list("pairing_id", "year"))


@pytest.fixture
def queued(monkeypatch):
    """What is queued on a broker after a commit, instead of running it."""
    calls = []
    monkeypatch.setitem(tasks.refresh_pending.app.conf, "task_always_eager", False)
    monkeypatch.setattr(
        tasks.refresh_pending, "apply_async", lambda countdown=None: calls.append(countdown)
    )
    return calls


def test_an_announcement_is_recorded_in_the_writers_transaction(world, queued):
    pairing = world.pairings["zsg-sc"]
    with pytest.raises(RuntimeError), transaction.atomic():
        summaries.announce([(pairing.pk, YEAR)])
        assert requested() == {(pairing.pk, YEAR)}  # durable with the write itself
        raise RuntimeError("the write failed")
    assert requested() == set()  # … and gone with it
    assert queued == []


def test_after_the_commit_one_run_is_queued_for_a_burst(
    world, queued, django_capture_on_commit_callbacks
):
    pairing = world.pairings["gz-bj"]
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(50):
            summaries.announce([(pairing.pk, YEAR)])
    assert queued == [tasks.DEBOUNCE_SECONDS]
    with django_capture_on_commit_callbacks(execute=True):
        summaries.announce([(pairing.pk, YEAR - 1)])  # while the first run is still queued
    assert queued == [tasks.DEBOUNCE_SECONDS]
    assert requested() == {(pairing.pk, YEAR), (pairing.pk, YEAR - 1)}


def test_a_broker_failure_after_the_commit_loses_nothing(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setitem(tasks.refresh_pending.app.conf, "task_always_eager", False)

    def broker_down(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(tasks.refresh_pending, "apply_async", broker_down)
    pairing = world.pairings["th-xqg"]
    with django_capture_on_commit_callbacks(execute=True):
        summaries.announce([(pairing.pk, YEAR)])  # the write commits; no exception
    assert requested() == {(pairing.pk, YEAR)}
    # Beat's minutely run finds the request.
    assert tasks.refresh_pending.apply().get() == 1
    assert requested() == set()
    assert PairingYearSummary.objects.filter(pairing=pairing, year=YEAR).exists()


def test_a_run_refreshes_the_pairing_its_ancestors_and_the_next_year(world):
    RefreshRequest.objects.create(
        pairing_id=world.pairings["zsg-sc"].pk, year=YEAR, requested_at=timezone.now()
    )
    assert tasks.refresh_pending.apply().get() == 1
    refreshed = set(PairingYearSummary.objects.values_list("pairing_id", "year"))
    assert refreshed == {
        (world.pairings[key].pk, year)
        for key in ("zsg-sc", "zs-lps", "gd-gz")
        for year in (YEAR, YEAR + 1)
    }
    assert requested() == set()


def test_a_future_year_is_never_refreshed(world):
    current = timezone.localdate().year
    pairing = world.pairings["gd-gz"]
    RefreshRequest.objects.create(pairing_id=pairing.pk, year=current, requested_at=timezone.now())
    tasks.refresh_pending.apply()
    assert set(PairingYearSummary.objects.values_list("pairing_id", "year")) == {
        (pairing.pk, current)
    }


def test_a_change_is_refreshed_right_after_its_commit(
    world, indicators, ledger, django_capture_on_commit_callbacks
):
    rubric_load_default(year=YEAR)
    pairing = world.pairings["th-xqg"]
    # Eager Celery (no REDIS_URL): the run happens right after the commit.
    with django_capture_on_commit_callbacks(execute=True):
        ledger.allocation(pairing, YEAR, "5000000")  # announces its pairing-year
    summary = PairingYearSummary.objects.get(pairing=pairing, year=YEAR)
    assert D(summary.tiles["fiscal_aid"]["value"]) == D(5_000_000)
    assert PairingYearSummary.objects.filter(pairing=world.pairings["gz-bj"], year=YEAR).exists()
    with django_capture_on_commit_callbacks(execute=True):
        ledger.allocation(pairing, YEAR, "2000000")
    summary.refresh_from_db()
    assert D(summary.tiles["fiscal_aid"]["value"]) == D(7_000_000)
    assert requested() == set()


def test_nightly_refresh_covers_every_pairing_and_recent_year(world):
    counts = tasks.refresh_all.delay().get()
    current = timezone.localdate().year
    years = set(range(current - tasks.NIGHTLY_YEARS + 1, current + 1))
    rows = set(PairingYearSummary.objects.values_list("pairing_id", "year"))
    assert rows == {(p.pk, y) for p in world.pairings.values() for y in years}
    assert counts == {"refreshed": len(rows), "failed": 0}


def test_beat_schedules_the_nightly_and_the_minutely_runs():
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["assessments-nightly-refresh"]["task"] == tasks.refresh_all.name
    assert schedule["assessments-pending-refresh"]["task"] == tasks.refresh_pending.name


def test_without_a_broker_the_refresh_runs_at_once_not_through_apply_async(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    """Eager apply_async sets Celery's process-wide "inside a task" flag; threads committing
    at once (tests/funds/test_concurrency.py) could leave it set for every later .get()."""

    def refuse(*args, **kwargs):
        raise AssertionError("apply_async is for a broker")

    monkeypatch.setattr(tasks.refresh_pending, "apply_async", refuse)
    pairing = world.pairings["gz-bj"]
    with django_capture_on_commit_callbacks(execute=True):
        summaries.announce([(pairing.pk, YEAR)])
    assert PairingYearSummary.objects.filter(pairing=pairing, year=YEAR).exists()
