"""Pages for the money: declarations for the generic views, plus the project and hub tabs.

Fund transactions are never edited or deleted: their pages are list, detail,
add, reverse (a transition) and history. Over-allocations are approved and
withdrawn by administrators only (the model's write roles). The models name
the services that save and delete them (core.writes), so a deletion cannot
leave the commitments uncovered.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.views.generic import TemplateView

from aidtrack.core import scoping
from aidtrack.core.hub import FIRST_PAGE_SIZE, FirstPage, first_page
from aidtrack.core.imports.spec import Importable
from aidtrack.core.rollup import Groups
from aidtrack.core.views import (
    BrowserAccessMixin,
    ObjectDetailView,
    ObjectViews,
)
from aidtrack.core.years import default_year, year_asked
from funds.filters import (
    ConsumptionSupportFilterSet,
    DonationFilterSet,
    FundAllocationFilterSet,
    FundTransactionFilterSet,
    InvestmentFilterSet,
    InvestmentTrancheFilterSet,
    OverAllocationFilterSet,
    ParkFilterSet,
)
from funds.forms import (
    ConsumptionSupportForm,
    DonationForm,
    FundAllocationForm,
    FundTransactionForm,
    InvestmentForm,
    InvestmentTrancheForm,
    OverAllocationForm,
    ParkForm,
)
from funds.models import (
    ConsumptionSupport,
    Donation,
    FundAllocation,
    FundTransaction,
    Investment,
    InvestmentTranche,
    OverAllocation,
    Park,
)
from funds.selectors import MONEY_KEYS, funds_summaries, growth, project_funds
from funds.tables import (
    ConsumptionSupportTable,
    DonationTable,
    FundAllocationTable,
    FundTransactionTable,
    InvestmentTable,
    InvestmentTrancheTable,
    OverAllocationTable,
    ParkTable,
)
from pairings.models import Pairing
from projects.models import Project


class FundAllocationViews(ObjectViews):
    model = FundAllocation
    filterset_class = FundAllocationFilterSet
    table_class = FundAllocationTable
    form_class = FundAllocationForm
    imports = Importable(codes=("document_reference",))
    detail_select_related = Pairing.name_related("pairing")
    money_fields = ("amount",)
    path_prefix = "allocations"


class OverAllocationViews(ObjectViews):
    """Approved and withdrawn (by administrators: the model's write roles), never edited."""

    model = OverAllocation
    filterset_class = OverAllocationFilterSet
    table_class = OverAllocationTable
    form_class = OverAllocationForm
    writes_offered = (scoping.ADD, scoping.DELETE)
    detail_fields = ("pairing", "year", "amount", "reason", "approved_by")
    money_fields = ("amount",)
    detail_select_related = (*Pairing.name_related("pairing"), "approved_by")
    path_prefix = "over-allocations"


# -- fund transactions: recorded and reversed, never edited ------------------------


class FundTransactionDetailView(ObjectDetailView):
    template_name = "funds/fundtransaction_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # In the same project, so in the same scope; the transition buttons read it too.
        context["reversal"] = context["object"].reversed_by
        return context


class FundTransactionViews(ObjectViews):
    """Entries are recorded and reversed (the "reverse" transition), never edited or deleted."""

    model = FundTransaction
    filterset_class = FundTransactionFilterSet
    table_class = FundTransactionTable
    form_class = FundTransactionForm
    imports = Importable(
        key=("project", "kind", "voucher_number"), updates=False, codes=("voucher_number",)
    )
    writes_offered = (scoping.ADD,)
    detail_view = FundTransactionDetailView
    detail_fields = (
        "project",
        "kind",
        "date",
        "amount",
        "payer",
        "payee",
        "voucher_number",
        "note",
        "reverses",
    )
    detail_select_related = ("project", "payer", "payee", "reverses")
    money_fields = ("amount",)
    path_prefix = "transactions"


# -- social support, investment, parks, consumption -------------------------------


class DonationViews(ObjectViews):
    model = Donation
    filterset_class = DonationFilterSet
    table_class = DonationTable
    form_class = DonationForm
    imports = Importable()
    money_fields = ("amount",)
    detail_select_related = (
        *Pairing.name_related("pairing"),
        "donor_organization",
        "recipient_organization",
    )


class ParkViews(ObjectViews):
    model = Park
    filterset_class = ParkFilterSet
    table_class = ParkTable
    form_class = ParkForm
    detail_select_related = (*Pairing.name_related("pairing"), "region")


class InvestmentDetailView(ObjectDetailView):
    template_name = "funds/investment_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["tranches"] = context["object"].tranches.order_by("date", "id")
        context["can_add_tranche"] = self.request.user.may(scoping.ADD, InvestmentTranche)
        return context


class InvestmentViews(ObjectViews):
    model = Investment
    filterset_class = InvestmentFilterSet
    table_class = InvestmentTable
    form_class = InvestmentForm
    imports = Importable()
    detail_view = InvestmentDetailView
    detail_fields = (
        "enterprise",
        "pairing",
        "name",
        "industry",
        "park",
        "amount_agreed",
        "agreed_on",
        "amount_in_place",
        "over_agreed_note",
    )
    detail_select_related = (*Pairing.name_related("pairing"), "enterprise", "park")
    money_fields = ("amount_agreed", "amount_in_place")


class InvestmentTrancheViews(ObjectViews):
    model = InvestmentTranche
    filterset_class = InvestmentTrancheFilterSet
    table_class = InvestmentTrancheTable
    form_class = InvestmentTrancheForm
    imports = Importable()
    detail_select_related = ("investment__enterprise",)
    money_fields = ("amount",)
    path_prefix = "investments-in-place"


class ConsumptionSupportViews(ObjectViews):
    model = ConsumptionSupport
    filterset_class = ConsumptionSupportFilterSet
    table_class = ConsumptionSupportTable
    form_class = ConsumptionSupportForm
    imports = Importable()
    detail_select_related = (*Pairing.name_related("pairing"), "buyer_organization")
    money_fields = ("amount",)
    path_prefix = "consumption"


# -- a project's funds ---------------------------------------------------------------


def project_funds_tab(request, project) -> dict:
    """Context of templates/funds/project_funds.html for a project the user may see."""
    user = request.user
    entries = FundTransaction.objects.for_user(user).filter(project=project)
    in_scope_for_writes = (
        user.may(scoping.ADD, FundTransaction)
        and Project.objects.for_user(user, scoping.ADD).filter(pk=project.pk).exists()
    )
    return {
        "project": project,
        "project_funds": project_funds(project),
        # The ledger in date order, its first page; the list has the rest.
        "fund_transactions": first_page(
            entries.select_related("payer", "payee", "reverses").order_by("date", "id"),
            f"{reverse('funds:fundtransaction_list')}?project={project.pk}",
            counted=entries,
        ),
        "can_record_transaction": in_scope_for_writes,
    }


class ProjectFundsView(BrowserAccessMixin, TemplateView):
    """A project's funds on a page of its own (the project page shows the same as a tab)."""

    template_name = "funds/project_funds_page.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.may(scoping.VIEW, FundTransaction):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        project = get_object_or_404(
            Project.objects.for_user(self.request.user).select_related(
                *Pairing.name_related("pairing")
            ),
            pk=self.kwargs["pk"],
        )
        context.update(project_funds_tab(self.request, project))
        return context


# -- the pairing hub's funds tab ---------------------------------------------------


def _years_with_money(user, pairing_ids) -> list[int]:
    """Programme years with allocations or projects, newest first (a few rows per model)."""
    years = set()
    for model in (FundAllocation, Project):
        rows = model.objects.for_user(user, within=pairing_ids)
        years |= set(rows.order_by().values_list("year", flat=True).distinct())
    return sorted(years, reverse=True)


def pairing_funds_tab(request, pairing) -> dict:
    """The hub's "Funds" tab: one year's money of the pairing and the pairings below it.

    Sums over the whole tree; the breakdown by pairing and the allocations a
    first page each (the allocations with a link to their filtered list).
    """
    user = request.user
    pairing_ids = Pairing.objects.for_user(user).subtree_ids(pairing.pk)
    visible = Pairing.objects.for_user(user, within=pairing_ids)
    years = _years_with_money(user, pairing_ids)
    # The year every dashboard opens on (aidtrack.core.years), unless one is asked for.
    year = year_asked(request.GET.get("year"), None) or default_year([pairing.pk])
    # The current year is always offered, and so is any year typed into the address.
    years = sorted({*years, year, timezone.localdate().year}, reverse=True)
    # The tree's figures and each pairing's own, both years, in one pass over the
    # records (pairing ids are positive, so the tree's key 0 is no pairing's).
    figures = funds_summaries(Groups.whole_and_each(pairing_ids, key=0), [year - 1, year])
    summary, previous = figures[(0, year)], figures[(0, year - 1)]
    with_money = [
        pk
        for pk in pairing_ids
        if any(figures[(pk, year)][key] for key in ("allocated", "committed"))
    ]
    names = (
        visible.filter(pk__any_id=with_money)
        .select_related(*Pairing.name_related())
        .order_by(*Pairing.DISPLAY_ORDER)[:FIRST_PAGE_SIZE]
    )
    breakdown = FirstPage(
        rows=[(child, figures[(child.pk, year)]) for child in names], count=len(with_money)
    )
    query = f"pairing={pairing.pk}&year={year}"
    allocations = first_page(
        FundAllocation.objects.for_user(user)
        .filter(pairing__any_id=pairing_ids, year=year)
        .select_related(*Pairing.name_related("pairing"))
        .order_by("id"),  # the allocation list's order within a year (-year, id)
        f"{reverse('funds:fundallocation_list')}?{query}",
    )
    # Agreed in the year, or money put in place in it: a test per investment, not a join
    # with its tranches made distinct again (33 -> 16 ms for 广东→贵州).
    tranche_in_year = InvestmentTranche.objects.for_user(user).filter(
        investment=OuterRef("pk"), date__year=year
    )
    top_investments = (
        Investment.objects.for_user(user)
        .filter(pairing__any_id=pairing_ids)
        .filter(Q(agreed_on__year=year) | Exists(tranche_in_year))
        .select_related("enterprise", "park")
        .order_by("-amount_in_place", "id")[:10]
    )
    return {
        "funds_year": year,
        "funds_years": years,
        "funds": summary,
        "funds_growth": {key: growth(summary[key], previous[key]) for key in MONEY_KEYS},
        "funds_breakdown": breakdown,
        "funds_allocations": allocations,
        "funds_top_investments": top_investments,
        "funds_query": query,
    }
