"""The session's user, loaded with its pairing scope."""

from django.contrib.auth.backends import ModelBackend

from accounts.models import User
from aidtrack.core import orgscope


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
        user = (
            User._default_manager.with_scope(known).with_unread_count().filter(pk=user_id).first()
        )
        if user is None or not self.user_can_authenticate(user):
            return None
        user.settle_scope(holder, known)
        return user
