"""Celery tasks of the cadres app: thin wrappers that call services."""

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from aidtrack.core.audit import audit_context
from cadres.services import check_in_reminders_send


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def checkin_reminders(slot: str) -> int:
    """Remind whoever has not checked in for today's ``slot`` (scheduled by Celery beat).

    Idempotent: the service reminds each person, day and slot at most once.
    """
    with audit_context(None, source="task"):
        return check_in_reminders_send(on=timezone.localdate(), slot=slot)
