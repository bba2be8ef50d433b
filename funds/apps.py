from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from aidtrack.core.hub import HubTab
from aidtrack.core.navigation import NavItem


class FundsConfig(AppConfig):
    name = "funds"
    verbose_name = _("Funds")
    navigation = [
        NavItem(_("Fund allocations"), "funds:fundallocation_list", "funds.FundAllocation"),
        NavItem(_("Fund transactions"), "funds:fundtransaction_list", "funds.FundTransaction"),
        NavItem(
            _("Over-allocation approvals"), "funds:overallocation_list", "funds.OverAllocation"
        ),
        NavItem(_("Donations"), "funds:donation_list", "funds.Donation"),
        NavItem(_("Investments"), "funds:investment_list", "funds.Investment"),
        NavItem(
            _("Investments in place"), "funds:investmenttranche_list", "funds.InvestmentTranche"
        ),
        NavItem(_("Co-built parks"), "funds:park_list", "funds.Park"),
        NavItem(
            _("Consumption support"), "funds:consumptionsupport_list", "funds.ConsumptionSupport"
        ),
    ]
    # Years with money recorded: the year dashboards open on (aidtrack.core.years).
    data_years = ["funds.selectors.years_with_records"]
    pairing_hub_tabs = [
        HubTab(
            "funds",
            _("Funds"),
            "funds.FundAllocation",
            "funds/hub/funds.html",
            "funds.views.pairing_funds_tab",
        )
    ]
    # Read by the projects app's project page (generalised hub); the same
    # section is reachable now at /funds/projects/<pk>/.
    project_page_tabs = [
        HubTab(
            "funds",
            _("Funds"),
            "funds.FundTransaction",
            "funds/project_funds.html",
            "funds.views.project_funds_tab",
        )
    ]
