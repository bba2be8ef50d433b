from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from aidtrack.core.navigation import NavItem


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")
    navigation = [NavItem(_("Users"), "accounts:user_list", "accounts.User", action="change")]

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from accounts import schema  # noqa: F401  (registers the OpenAPI auth extension)

        user_logged_in.connect(_forget_own_failures, dispatch_uid="accounts-forget-own-failures")


def _forget_own_failures(sender, request, user, **kwargs):
    """A right password proves the owner: their account's failures are forgotten.

    Only the account's, never the address's (see AXES_RESET_ON_SUCCESS in settings).
    """
    from accounts.services import sign_in_unlock

    sign_in_unlock(username=user.get_username())
