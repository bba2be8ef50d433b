"""Refreshing summaries in the background: after changes (debounced) and nightly.

Other apps do not call this module (they may not import assessments); their
services call ``aidtrack.core.summaries.changed(pairing_id, year)``, which
reaches ``schedule_refresh`` here (subscribed in AssessmentsConfig.ready()).
"""

import logging

from celery import shared_task
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

# Changes within this many seconds of the first one share one refresh: an
# import of 500 transactions refreshes each pairing once, not 500 times.
DEBOUNCE_SECONDS = 30
# The nightly run refreshes this many years back from the current one.
NIGHTLY_YEARS = 3


def _pending_key(pairing_id: int, year: int) -> str:
    return f"assessments:refresh-pending:{pairing_id}:{year}"


def affected(pairing_id: int, year: int) -> list[tuple[int, int]]:
    """Which summaries a change to ``pairing_id``'s records of ``year`` touches.

    The pairing's and its ancestors' (their figures include the pairings
    below), for the year and the next one (its growth figures compare with
    this year), never a year still to come.
    """
    from pairings.models import Pairing

    chain, seen = [], set()
    parents = dict(Pairing.objects.values_list("pk", "parent_id"))
    node = pairing_id
    while node is not None and node not in seen and node in parents:
        seen.add(node)
        chain.append(node)
        node = parents[node]
    years = [y for y in (year, year + 1) if y <= timezone.localdate().year]
    return [(pid, y) for pid in chain for y in years]


def schedule_refresh(pairing_id: int, year: int) -> None:
    """Refresh the summaries a change touches, once, after the transaction commits.

    The first change marks each summary as pending in the cache and queues a
    refresh ``DEBOUNCE_SECONDS`` later; further changes before it runs find
    the mark and queue nothing, since that refresh will read them too.
    Nothing is queued if the transaction rolls back.
    """

    def enqueue():
        for pid, y in affected(pairing_id, year):
            if cache.add(_pending_key(pid, y), True, timeout=DEBOUNCE_SECONDS * 10):
                refresh_summary.apply_async((pid, y), countdown=DEBOUNCE_SECONDS)

    transaction.on_commit(enqueue)


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
