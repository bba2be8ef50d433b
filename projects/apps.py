from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from aidtrack.core.hub import HubTab
from aidtrack.core.navigation import NavItem


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("Projects and outcomes")
    navigation = [
        NavItem(_("Projects"), "projects:project_list", "projects.Project"),
        NavItem(_("Progress updates"), "projects:progressupdate_list", "projects.ProgressUpdate"),
        NavItem(_("Outcome reports"), "projects:outcomereport_list", "projects.OutcomeReport"),
        NavItem(
            _("Review queue"),
            "projects:outcomereport_queue",
            "projects.OutcomeReport",
            action="change",
        ),
        NavItem(_("Needs board"), "projects:need_board", "projects.Need"),
        NavItem(_("Needs"), "projects:need_list", "projects.Need"),
        NavItem(_("Indicators"), "projects:indicator_list", "projects.Indicator"),
    ]
    pairing_hub_tabs = [
        HubTab(
            "projects",
            _("Projects"),
            "projects.Project",
            "projects/hub/projects.html",
            "projects.hub.pairing_projects",
        ),
        HubTab(
            "outcomes",
            _("Outcomes"),
            "projects.OutcomeReport",
            "projects/hub/outcomes.html",
            "projects.hub.pairing_outcomes",
        ),
        HubTab(
            "needs",
            _("Needs"),
            "projects.Need",
            "projects/hub/needs.html",
            "projects.hub.pairing_needs",
        ),
    ]
    # Other apps add sections to the project page the same way (funds: "资金").
    project_page_tabs = [
        HubTab(
            "outcomes",
            _("Outcomes"),
            "projects.OutcomeReport",
            "projects/project_tabs/outcomes.html",
            "projects.hub.project_outcomes",
        ),
    ]
