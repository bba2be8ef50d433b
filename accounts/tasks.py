"""Notification emails, sent after the commit and swept every minute until they have gone."""

import logging

from celery import shared_task
from django.db import transaction

logger = logging.getLogger(__name__)

# Emails taken per run; the sweep comes back for the rest.
BATCH_SIZE = 100


@shared_task(soft_time_limit=120, time_limit=150)
def notification_emails_send() -> int:
    """Send the emails still due (idempotent: each row is taken once, under its lock)."""
    from accounts.models import Notification
    from accounts.services import notification_email_send

    sent = 0
    with transaction.atomic():
        due = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(email_due=True)
            .select_related("user")
            .order_by("pk")[:BATCH_SIZE]
        )
        for notification in due:
            try:
                notification_email_send(notification)
            except OSError:
                # The mail server is down or slow (EMAIL_TIMEOUT): still due, next sweep.
                logger.warning("email of notification %s not sent", notification.pk, exc_info=True)
            else:
                sent += 1
    return sent
