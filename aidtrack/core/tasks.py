"""Operational tasks (a round-trip probe for the worker) and queueing after a commit."""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)


class TransientProbeError(Exception):
    """Raised on purpose by ``probe`` to exercise Celery's retry path."""


@shared_task(
    bind=True,
    autoretry_for=(TransientProbeError,),
    retry_backoff=False,
    default_retry_delay=0,
    max_retries=3,
)
def probe(self, value: str, fail_times: int = 0) -> dict:
    """Echo ``value``; fail the first ``fail_times`` attempts to prove retries work.

    Operators use it (``manage.py celery_probe``) to check a worker end to end.
    """
    if self.request.retries < fail_times:
        raise TransientProbeError(f"attempt {self.request.retries + 1} fails on purpose")
    logger.info("probe %s answered after %s retries", value, self.request.retries)
    return {"value": value, "retries": self.request.retries}


@shared_task
def feed_prune() -> int:
    """Drop change-feed entries older than CHANGE_FEED_RETENTION_DAYS (nightly, by beat)."""
    from aidtrack.core import feed

    older_than = timezone.now() - timedelta(days=settings.CHANGE_FEED_RETENTION_DAYS)
    removed = feed.prune(older_than)
    logger.info("change feed: %s entries older than %s removed", removed, older_than)
    return removed


@shared_task
def idempotency_keys_prune() -> int:
    """Forget API Idempotency-Keys older than IDEMPOTENCY_KEY_TTL hours (beat, hourly)."""
    from aidtrack.core.idempotency import prune_expired

    return prune_expired()


def run_after_commit(task, *, countdown: int = 0, once_within: str = "") -> None:
    """Run ``task`` soon after the current transaction commits; never fail the caller.

    For work whose inputs are already recorded in PostgreSQL (refresh
    requests, unsent emails) and that a periodic sweep also runs: losing the
    message (Redis down, a worker killed) only delays it. Without a broker the
    task runs at once, through ``Task.apply`` (eager ``apply_async`` sets a
    process-wide "inside a task" flag that threads can leave set). With
    ``once_within``, a cache key: one queueing serves every commit until the
    task starts (it deletes the key, see ``forget_queued``).
    """
    transaction.on_commit(
        lambda: _queue(task, countdown=countdown, once_within=once_within), robust=True
    )


def _queue(task, *, countdown: int, once_within: str) -> None:
    try:
        if task.app.conf.task_always_eager:
            task.apply()
        elif not once_within or cache.add(once_within, True, timeout=countdown or 60):
            task.apply_async(countdown=countdown)
    except Exception:
        # The committed write stands; the sweep will run the task.
        logger.warning(
            "could not queue %s; its periodic sweep will run it", task.name, exc_info=True
        )


def forget_queued(once_within: str) -> None:
    """At the start of the task: commits from now on queue it again."""
    try:
        cache.delete(once_within)
    except Exception:
        logger.warning("could not clear %s", once_within, exc_info=True)


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=3)
def import_check(job_id: int) -> None:
    """The dry run of an uploaded sheet (aidtrack.core.imports.jobs)."""
    from aidtrack.core.imports.jobs import job_check

    job_check(job_id)


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=3)
def import_commit(job_id: int) -> None:
    """The commit of a confirmed import: all rows or none."""
    from aidtrack.core.imports.jobs import job_commit

    job_commit(job_id)


@shared_task
def imports_resume() -> int:
    """Run the import jobs that wait and nobody runs (broker down, worker killed); beat."""
    from aidtrack.core.imports.jobs import jobs_resume

    return jobs_resume()
