"""Refreshing summaries in the background: after changes (debounced) and nightly.

Other apps do not call this module (they may not import assessments); their
services call ``aidtrack.core.summaries.changed(pairing_id, year)``, which
reaches ``schedule_refresh`` here (subscribed in AssessmentsConfig.ready()).
"""

import logging
import threading

from celery import shared_task
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

# Changes within this many seconds of the first one share one refresh: an
# import of 500 transactions refreshes each pairing once, not 500 times.
DEBOUNCE_SECONDS = 30
# The nightly run refreshes this many years back from the current one.
NIGHTLY_YEARS = 3


def _pending_key(pairing_id: int, year: int) -> str:
    return f"assessments:refresh-pending:{pairing_id}:{year}"


def affected(changes) -> list[tuple[int, int]]:
    """Which summaries changes to ``(pairing_id, year)`` records touch.

    Each pairing's and its ancestors' (their figures include the pairings
    below), for the year and the next one (its growth figures compare with
    this year), never a year still to come.
    """
    from pairings.models import Pairing

    parents = dict(Pairing.objects.values_list("pk", "parent_id"))
    this_year = timezone.localdate().year
    touched = set()
    for pairing_id, year in changes:
        years = [y for y in (year, year + 1) if y <= this_year]
        node, seen = pairing_id, set()
        while node is not None and node not in seen and node in parents:
            seen.add(node)
            touched.update((node, y) for y in years)
            node = parents[node]
    return sorted(touched)


class _Batch:
    """The pairing-years changed in one transaction; refreshed once, after it commits.

    Every change registers the batch as an on-commit callback (so it also
    runs where only some of the callbacks survive, e.g. a savepoint rolled
    back); the first call does the work, the others nothing. Batching within
    the transaction matters where tasks run at once (Celery eager, in
    development): the cache mark alone would refresh once per change there.
    """

    def __init__(self):
        self.changes: set[tuple[int, int]] = set()
        self.done = False

    def __call__(self):
        if self.done:
            return
        self.done = True
        for pid, y in affected(self.changes):
            if cache.add(_pending_key(pid, y), True, timeout=DEBOUNCE_SECONDS * 10):
                queue_refresh(pid, y)


def _without_broker() -> bool:
    return bool(refresh_summary.app.conf.task_always_eager)


def queue_refresh(pairing_id: int, year: int) -> None:
    """Refresh one summary ``DEBOUNCE_SECONDS`` from now; without a broker, at once.

    Without a broker ``Task.apply`` runs it as eager ``apply_async`` would,
    but without the latter's process-wide "inside a task" flag: two threads
    setting it at once (a threaded development server, the concurrency tests)
    can leave it set, after which every ``result.get()`` raises.
    """
    if _without_broker():
        refresh_summary.apply((pairing_id, year))
    else:
        refresh_summary.apply_async((pairing_id, year), countdown=DEBOUNCE_SECONDS)


_local = threading.local()


def _current_batch() -> _Batch:
    """This thread's batch while a callback of it still waits for the commit, else a new one.

    A rolled-back transaction drops the callbacks from the connection's
    list; then the next change starts a new batch.
    """
    batch = getattr(_local, "batch", None)
    if batch is None or batch.done or not any(e[1] is batch for e in connection.run_on_commit):
        batch = _local.batch = _Batch()
    return batch


def schedule_refresh(pairing_id: int, year: int) -> None:
    """Refresh the summaries a change touches, once, after the transaction commits.

    Changes in one transaction share one batch. After the commit each
    touched summary is marked as pending in the cache and its refresh queued
    ``DEBOUNCE_SECONDS`` later; transactions committed before it runs find
    the mark and queue nothing, since that refresh will read them too.
    Nothing is queued if the transaction rolls back.
    """
    batch = _current_batch()
    batch.changes.add((pairing_id, year))
    # Outside a transaction this runs the batch at once.
    transaction.on_commit(batch)


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=3)
def refresh_summary(pairing_id: int, year: int) -> str:
    """Recompute one summary (idempotent; a failure is recorded on the summary)."""
    from assessments.services import assessment_refresh
    from pairings.models import Pairing

    # Cleared first: a change committed while this runs queues the next refresh.
    cache.delete(_pending_key(pairing_id, year))
    pairing = Pairing.objects.filter(pk=pairing_id).first()
    if pairing is None:
        return "gone"
    summary = assessment_refresh(pairing=pairing, year=year)
    return "failed" if summary.failed else "refreshed"


@shared_task
def refresh_all(years: list[int] | None = None) -> dict[str, int]:
    """The nightly run: every pairing × the recent years (beat, see settings)."""
    from assessments.services import assessment_refresh_many
    from pairings.models import Pairing

    if years is None:
        current = timezone.localdate().year
        years = list(range(current - NIGHTLY_YEARS + 1, current + 1))
    counts = assessment_refresh_many(
        pairing_ids=Pairing.objects.values_list("pk", flat=True), years=years
    )
    logger.info("nightly assessment refresh: %s", counts)
    return counts
