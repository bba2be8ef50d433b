from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from aidtrack.core.navigation import NavItem


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")
    navigation = [NavItem(_("Users"), "accounts:user_list", "accounts.User", action="change")]

    def ready(self):
        from accounts import schema  # noqa: F401  (registers the OpenAPI auth extension)
