from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from aidtrack.core.navigation import NavItem


class CadresConfig(AppConfig):
    name = "cadres"
    verbose_name = _("Cadres and talents")
    navigation = [
        NavItem(_("People"), "cadres:person_list", "cadres.Person"),
        NavItem(_("Deployments"), "cadres:deployment_list", "cadres.Deployment"),
    ]
