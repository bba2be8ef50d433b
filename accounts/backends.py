"""The session's user, loaded with its pairing scope."""

from django.contrib.auth.backends import ModelBackend

from accounts.models import User


class ScopeLoadingBackend(ModelBackend):
    """``ModelBackend`` whose ``get_user`` brings the user's scope in the same query.

    Every page of a scoped user reads its scope; loaded here, a coordinator's
    request costs the queries an administrator's does (User.with_scope).
    """

    def get_user(self, user_id):
        user = User._default_manager.with_scope().filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
