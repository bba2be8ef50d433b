"""Refreshing summaries in the background: after changes and nightly.

Cadres, projects and funds announce changed (pairing, year) pairs through
``aidtrack.core.summaries``; ``record_changes`` (subscribed in
AssessmentsConfig.ready()) hears them:

1. In the writer's transaction it upserts one ``RefreshRequest`` per pair.
   The request commits with the change or rolls back with it, so no broker,
   worker or cache failure after the commit can lose it.
2. After the commit it asks for ``refresh_pending`` (``core.tasks.run_after_commit``):
   with a broker, queued ``DEBOUNCE_SECONDS`` later (once per window: a cache
   mark stops a second queueing); without one (development, tests), run at
   once. If queueing fails (Redis down) the write still succeeds: beat runs
   ``refresh_pending`` every minute and finds the requests.
3. ``refresh_pending`` takes the requests (``FOR UPDATE SKIP LOCKED``, so two
   workers share them), refreshes every summary they touch — the pairing's
   and its ancestors', for the year and the following one — once, and
   deletes them in the same transaction. A worker that dies mid-way leaves
   them for the next run.

The nightly ``refresh_all`` recomputes every pairing × the recent years.
"""

import logging

from celery import shared_task
from django.db import connection, transaction
from django.utils import timezone

from aidtrack.core.tasks import forget_queued, run_after_commit

logger = logging.getLogger(__name__)

# Changes within this many seconds share one refresh (with a broker).
DEBOUNCE_SECONDS = 30
# Requests taken per transaction by refresh_pending: a writer of one of them
# waits for that transaction, so it stays short.
BATCH_SIZE = 20
# The nightly run refreshes this many years back from the current one.
NIGHTLY_YEARS = 3

_QUEUED_MARK = "assessments:refresh-pending-queued"


def record_changes(keys) -> None:
    """Remember ``keys`` in the writer's transaction; refresh them after it commits."""
    from assessments.models import RefreshRequest

    table = RefreshRequest._meta.db_table
    pairs = sorted(keys)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (pairing_id, year, requested_at) "  # noqa: S608 (our table name)
            "SELECT p, y, clock_timestamp() FROM unnest(%s::int[], %s::int[]) AS k(p, y) "
            "ON CONFLICT (pairing_id, year) DO UPDATE SET requested_at = EXCLUDED.requested_at",
            [[p for p, _y in pairs], [y for _p, y in pairs]],
        )
    run_after_commit(refresh_pending, countdown=DEBOUNCE_SECONDS, once_within=_QUEUED_MARK)


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


def _by_years(touched) -> list[tuple[list[int], list[int]]]:
    """``[(pairing ids, years)]``: the pairings that need the same years refreshed go together,
    so each set-based refresh computes exactly the summaries asked for."""
    years_of: dict[int, set[int]] = {}
    for pairing_id, year in touched:
        years_of.setdefault(pairing_id, set()).add(year)
    together: dict[frozenset[int], list[int]] = {}
    for pairing_id, years in years_of.items():
        together.setdefault(frozenset(years), []).append(pairing_id)
    return [(sorted(ids), sorted(years)) for years, ids in together.items()]


def _refresh_batch() -> int:
    """Refresh what one batch of requests touches; the number of requests taken."""
    from assessments.models import RefreshRequest
    from assessments.services import assessment_refresh_set

    with transaction.atomic():
        requests = list(
            RefreshRequest.objects.select_for_update(skip_locked=True).order_by(
                "requested_at", "pk"
            )[:BATCH_SIZE]
        )
        if not requests:
            return 0
        touched = affected((r.pairing_id, r.year) for r in requests)
        for pairing_ids, years in _by_years(touched):
            # Set-based and never raising for a computing failure (recorded on the summaries).
            assessment_refresh_set(pairing_ids=pairing_ids, years=years)
        RefreshRequest.objects.filter(pk__in=[r.pk for r in requests]).delete()
    return len(requests)


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=3)
def refresh_pending() -> int:
    """Refresh every summary that waits for one (idempotent; failures are kept on the summary)."""
    # Cleared first: a change committed while this runs queues the next run.
    forget_queued(_QUEUED_MARK)
    taken = 0
    while batch := _refresh_batch():
        taken += batch
    return taken


@shared_task
def refresh_all(years: list[int] | None = None) -> dict[str, int]:
    """The nightly run: every pairing × the recent years (beat, see settings).

    Set-based: the figures of all pairings for all the years come from one
    statement per figure family; the summaries are written one transaction
    per year.
    """
    from assessments.models import RefreshRequest
    from assessments.services import assessment_refresh_set
    from pairings.models import Pairing

    current = timezone.localdate().year
    if years is None:
        years = list(range(current - NIGHTLY_YEARS + 1, current + 1))
    # Requests this run answers: a year it refreshes whose next year it refreshes
    # too (or that has none yet). Read before computing, so every change they
    # stand for was committed before the figures were read; deleted afterwards
    # only if no newer change came (a backlog, e.g. after a bulk load, is gone
    # with the nightly run instead of taking hundreds of small batches).
    covered = [year for year in years if year + 1 in years or year + 1 > current]
    seen = list(RefreshRequest.objects.filter(year__in=covered).values_list("pk", "requested_at"))
    counts = assessment_refresh_set(
        pairing_ids=list(Pairing.objects.values_list("pk", flat=True)), years=years
    )
    if seen and not counts["failed"]:
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {RefreshRequest._meta.db_table} AS r "  # noqa: S608 (our table)
                "USING unnest(%s::bigint[], %s::timestamptz[]) AS s(id, at) "
                "WHERE r.id = s.id AND r.requested_at = s.at",
                [[pk for pk, _at in seen], [at for _pk, at in seen]],
            )
    logger.info("nightly assessment refresh: %s", counts)
    return counts
