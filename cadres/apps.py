from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from aidtrack.core.hub import HubTab
from aidtrack.core.navigation import NavItem


class CadresConfig(AppConfig):
    name = "cadres"
    verbose_name = _("Cadres and talents")
    navigation = [
        NavItem(_("Daily check-in"), "cadres:checkin", None),
        NavItem(_("People"), "cadres:person_list", "cadres.Person"),
        NavItem(_("Deployments"), "cadres:deployment_list", "cadres.Deployment"),
        NavItem(_("Teams"), "cadres:team_list", "cadres.Team"),
        NavItem(_("Team members"), "cadres:teammember_list", "cadres.TeamMember"),
        NavItem(_("Check-ins"), "cadres:checkin_list", "cadres.CheckIn"),
        NavItem(_("Leave requests"), "cadres:leaverequest_list", "cadres.LeaveRequest"),
        NavItem(_("Mentorships"), "cadres:mentorship_list", "cadres.Mentorship"),
        NavItem(_("Awards"), "cadres:award_list", "cadres.Award"),
        NavItem(_("Care records"), "cadres:carerecord_list", "cadres.CareRecord"),
    ]
    pairing_hub_tabs = [
        HubTab(
            "people",
            _("People"),
            "cadres.Deployment",
            "cadres/hub/people.html",
            "cadres.views.pairing_people_tab",
        )
    ]
