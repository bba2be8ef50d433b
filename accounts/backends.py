"""The session's user, loaded with its pairing scope."""

import functools

from django.contrib.auth.backends import ModelBackend

from accounts.models import User
from aidtrack.core import orgscope
from aidtrack.core.prepared import PreparedLookup


class ScopeLoadingBackend(ModelBackend):
    """``ModelBackend`` whose ``get_user`` brings the user's scope (and the
    navigation badge's count, ``User.with_unread_count``) in the same query.

    Every page of a scoped user reads its scope; loaded here, a coordinator's
    request costs the queries an administrator's does (User.with_scope), and
    from the cache while it is current (aidtrack.core.orgscope).
    """

    def get_user(self, user_id):
        holder = f"user:{user_id}"
        known = orgscope.cached_scope(holder)
        user = _users(mark_only=known is not None).get(user_id)
        if user is None or not self.user_can_authenticate(user):
            return None
        user.settle_scope(holder, known)
        return user


@functools.cache
def _users(mark_only: bool) -> PreparedLookup:
    """The annotated user a session's user is read as, by id; compiled once for each shape
    (compiling it cost a request more than running it: aidtrack.core.prepared)."""
    return PreparedLookup(
        User._default_manager.with_scope(mark_only).with_unread_count(), "pk", placeholder=-1
    )
