"""Token authentication for partner systems: ``Authorization: Token <key>``."""

import functools
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from accounts.models import ApiToken, hash_token, scope_columns
from aidtrack.core import orgscope
from aidtrack.core.prepared import PreparedLookup


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keywords = ("token", "bearer")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode(errors="replace").lower() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Malformed token header."))
        key = header[1].decode(errors="replace")
        digest = hash_token(key)
        holder = f"token:{digest}"
        known = orgscope.cached_scope(holder)
        tokens = _tokens(mark_only=known is not None)
        token = tokens.get(digest)
        if token is None or token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if token.is_expired:
            raise exceptions.AuthenticationFailed(_("Token has expired."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        now = timezone.now()
        resolution = timedelta(seconds=settings.API_TOKEN_USE_RESOLUTION_SECONDS)
        if token.last_used_at is None or now - token.last_used_at > resolution:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        # The scope came with the token (or from the cache): the request runs no query for it.
        for name in tokens.annotations:
            setattr(token.user, name, getattr(token, name))
        token.user.settle_scope(holder, known)
        return token.user, token

    def authenticate_header(self, request):
        return 'Token realm="api"'


@functools.cache
def _tokens(mark_only: bool) -> PreparedLookup:
    """A token by its digest, with its user and the user's scope columns; compiled once for
    each shape, as accounts.backends reads a session's user (aidtrack.core.prepared)."""
    tokens = ApiToken.objects.select_related("user").annotate(
        **scope_columns(f"{ApiToken._meta.db_table}.user_id", mark_only)
    )
    # Not a digest (sha256 hex): the compiled query's parameter that get() replaces.
    return PreparedLookup(tokens, "digest", placeholder="(digest)")
