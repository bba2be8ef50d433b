from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from aidtrack.core.navigation import NavItem


class PairingsConfig(AppConfig):
    name = "pairings"
    verbose_name = _("Pairings")
    navigation = [
        NavItem(_("Pairings"), "pairings:pairing_list", "pairings.Pairing"),
        NavItem(_("Pairing tree"), "pairings:pairing_tree", "pairings.Pairing"),
        NavItem(_("Agreements"), "pairings:agreement_list", "pairings.Agreement"),
        NavItem(
            _("Agreement targets"), "pairings:agreementtarget_list", "pairings.AgreementTarget"
        ),
        NavItem(_("Organisations"), "pairings:organization_list", "pairings.Organization"),
        NavItem(_("Regions"), "pairings:region_list", "pairings.Region"),
    ]
