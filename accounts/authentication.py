"""Token authentication for partner systems: ``Authorization: Token <key>``."""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from accounts.models import (
    ApiToken,
    hash_token,
    scope_ids_column,
    scope_organization_ids_column,
)

# Recording every use would turn each read into a write; once a minute is
# plenty to tell which tokens are still in use.
_LAST_USED_RESOLUTION = timedelta(minutes=1)


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keywords = ("token", "bearer")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode(errors="replace").lower() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Malformed token header."))
        key = header[1].decode(errors="replace")
        token = (
            ApiToken.objects.select_related("user")
            .annotate(
                user_scope_ids=scope_ids_column(f"{ApiToken._meta.db_table}.user_id"),
                user_organization_ids=scope_organization_ids_column(
                    f"{ApiToken._meta.db_table}.user_id"
                ),
            )
            .filter(digest=hash_token(key))
            .first()
        )
        if token is None or token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if token.is_expired:
            raise exceptions.AuthenticationFailed(_("Token has expired."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > _LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        # The scope came with the token: the request runs no query for it.
        token.user.preloaded_scope_ids = token.user_scope_ids
        token.user.preloaded_organization_ids = token.user_organization_ids
        return token.user, token

    def authenticate_header(self, request):
        return 'Token realm="api"'
