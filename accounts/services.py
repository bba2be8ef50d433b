"""Writes on accounts: API tokens, demo users and notifications."""

import logging
import secrets
from collections.abc import Iterable
from datetime import timedelta

from axes.utils import reset as axes_reset
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from accounts.models import ApiToken, Notification, User, hash_token
from aidtrack.core.tasks import run_after_commit

logger = logging.getLogger(__name__)


def user_save(account: User, *, user=None, password: str | None = None) -> User:
    """Create or change an account; a new password is stored hashed."""
    if password:
        account.set_password(password)
    account.save()
    return account


@transaction.atomic
def sign_in_unlock(*, username: str) -> int:
    """Forget the failed sign-ins recorded for ``username``; how many were forgotten.

    An administrator's unlock, and what a successful sign-in does for the
    account's own failures (accounts.apps). The failures other accounts ran up
    from the same address stay: an address lock is lifted in the admin's
    *Access attempts* list.
    """
    return axes_reset(username=username)


def api_token_create(
    *, user: User, name: str = "", can_write: bool = False, days: int | None = None
) -> tuple[ApiToken, str]:
    """Issue a token and return it with its key; only the key's hash is stored.

    The key is returned once, here: it cannot be recovered afterwards.
    """
    if days is None:
        days = settings.API_TOKEN_DEFAULT_DAYS
    if days < 1:
        raise ValueError("a token must be valid for at least one day")
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=key[:8],
        digest=hash_token(key),
        can_write=can_write,
        expires_at=timezone.now() + timedelta(days=days),
    )
    return token, key


def api_token_revoke(*, token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])


def notifications_send(
    *, users: Iterable[User], message: str, url: str = "", subject: str = ""
) -> list[Notification]:
    """Notify each user in the app, and by email where they have an address.

    The notifications are written in the caller's transaction; the emails go
    out after the commit, from a task with a timeout (``notification_emails_send``),
    so a mail server that is down neither fails nor slows the request, and
    an email that could not be sent is tried again by the task's sweep.
    """
    from accounts.tasks import notification_emails_send

    users = [user for user in dict.fromkeys(users) if user.is_active]
    by_email = settings.NOTIFY_BY_EMAIL
    notifications = Notification.objects.bulk_create(
        [
            Notification(
                user=user,
                message=message[:500],
                url=url,
                email_subject=(subject or message)[:200],
                email_due=by_email and bool(user.email),
            )
            for user in users
        ]
    )
    if any(notification.email_due for notification in notifications):
        run_after_commit(notification_emails_send)
    return notifications


@transaction.atomic
def notification_email_send(notification: Notification) -> None:
    """Send one notification's email and mark it sent (OSError: still due)."""
    link = f"{settings.SITE_URL.rstrip('/')}{notification.url}" if settings.SITE_URL else ""
    body = f"{notification.message}\n\n{link if notification.url else ''}".strip()
    send_mail(notification.email_subject, body, None, [notification.user.email])
    notification.email_due = False
    notification.emailed_at = timezone.now()
    notification.save(update_fields=["email_due", "emailed_at"])


def notifications_mark_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    """Mark the user's unread notifications (all, or those in ``ids``) read."""
    unread = Notification.objects.unread().filter(user=user)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())
