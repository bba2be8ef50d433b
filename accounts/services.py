"""Writes on accounts: API tokens and demo users."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import ApiToken, User, hash_token


@transaction.atomic
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
