"""Operational tasks: a round-trip probe for the worker."""

import logging

from celery import shared_task

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
