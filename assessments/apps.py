from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from aidtrack.core.hub import HubTab
from aidtrack.core.navigation import NavItem


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = _("Assessments")
    navigation = [
        NavItem(_("Overview"), "assessments:overview", "assessments.PairingYearSummary"),
        NavItem(_("Comparison"), "assessments:comparison", "assessments.PairingYearSummary"),
        NavItem(
            _("Official grades"), "assessments:officialgrade_list", "assessments.OfficialGrade"
        ),
        NavItem(_("Rubrics"), "assessments:rubric_list", "assessments.Rubric"),
    ]
    # Years whose summaries counted something: the year dashboards open on
    # (aidtrack.core.years).
    data_years = ["assessments.selectors.years_with_summaries"]
    pairing_hub_tabs = [
        HubTab(
            "assessment",
            _("Assessment"),
            "assessments.PairingYearSummary",
            "assessments/hub/assessment.html",
            "assessments.views.hub_context",
        )
    ]

    def ready(self):
        from aidtrack.core import summaries
        from assessments.tasks import record_changes

        # Cadres, projects and funds announce changes through core; this is
        # where they become durable refresh requests (see assessments.tasks).
        summaries.subscribe(record_changes)
