"""Pages for the money: declarations for the generic views, plus what they cannot do.

Fund transactions are never edited or deleted: their pages are list, detail,
add, reverse and history. Over-allocations are approved and withdrawn by
administrators only. Allocations, over-allocations and tranches are deleted
through services, so a deletion cannot leave the commitments uncovered.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from aidtrack.core import scoping
from aidtrack.core.forms import add_model_errors
from aidtrack.core.views import (
    BrowserAccessMixin,
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectHistoryView,
    ObjectListView,
    ObjectViewMixin,
    ObjectViews,
)
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
    ReverseForm,
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
from funds.selectors import funds_by_pairing, funds_growth, funds_summary, project_funds
from funds.services import (
    fund_allocation_delete,
    fund_transaction_reverse,
    investment_tranche_delete,
    over_allocation_withdraw,
)
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


class ServiceDeleteView(ObjectDeleteView):
    """Deletes through ``config.delete_service(obj)``; its refusal is shown, nothing changes."""

    def post(self, request, *args, **kwargs):
        obj = self.get_object()
        label = str(obj)
        try:
            self.config.delete_service(obj, request.user)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return HttpResponseRedirect(obj.get_absolute_url())
        messages.success(request, _("Deleted: %(object)s") % {"object": label})
        return HttpResponseRedirect(reverse(self.config.list_url()))


class FundAllocationViews(ObjectViews):
    model = FundAllocation
    filterset_class = FundAllocationFilterSet
    table_class = FundAllocationTable
    form_class = FundAllocationForm
    delete_view = ServiceDeleteView
    detail_select_related = Pairing.name_related("pairing")
    money_fields = ("amount",)
    path_prefix = "allocations"

    @staticmethod
    def delete_service(allocation, user):
        fund_allocation_delete(allocation=allocation)


# -- over-allocations: administrators write ----------------------------------------


class AdministratorWritesMixin:
    """Everyone in scope reads; only administrators add or remove (and see the buttons)."""

    writes = False  # set by the add and delete pages

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and self.writes and not user.is_administrator:
            raise PermissionDenied(_("Only an administrator can approve over-allocations."))
        return super().dispatch(request, *args, **kwargs)

    def permissions(self):
        can = super().permissions()
        if not self.request.user.is_administrator:
            can.update(add=False, change=False, delete=False)
        return can


class OverAllocationListView(AdministratorWritesMixin, ObjectListView):
    pass


class OverAllocationDetailView(AdministratorWritesMixin, ObjectDetailView):
    def permissions(self):
        return {**super().permissions(), "change": False}  # withdrawn, never edited


class OverAllocationHistoryView(AdministratorWritesMixin, ObjectHistoryView):
    def permissions(self):
        return {**super().permissions(), "change": False}


class OverAllocationAddView(AdministratorWritesMixin, ObjectEditView):
    writes = True


class OverAllocationDeleteView(AdministratorWritesMixin, ServiceDeleteView):
    writes = True


class OverAllocationViews(ObjectViews):
    model = OverAllocation
    filterset_class = OverAllocationFilterSet
    table_class = OverAllocationTable
    form_class = OverAllocationForm
    list_view = OverAllocationListView
    detail_view = OverAllocationDetailView
    history_view = OverAllocationHistoryView
    detail_fields = ("pairing", "year", "amount", "reason", "approved_by")
    money_fields = ("amount",)
    detail_select_related = (*Pairing.name_related("pairing"), "approved_by")
    path_prefix = "over-allocations"

    @staticmethod
    def delete_service(approval, user):
        over_allocation_withdraw(approval=approval, user=user)

    @classmethod
    def urls(cls):
        prefix = cls.path_prefix

        def view(view_class):
            return view_class.as_view(model=cls.model, config=cls)

        return [
            path(f"{prefix}/", view(cls.list_view), name="overallocation_list"),
            path(f"{prefix}/<int:pk>/", view(cls.detail_view), name="overallocation_detail"),
            path(f"{prefix}/add/", view(OverAllocationAddView), name="overallocation_add"),
            path(
                f"{prefix}/<int:pk>/delete/",
                view(OverAllocationDeleteView),
                name="overallocation_delete",
            ),
            path(
                f"{prefix}/<int:pk>/history/",
                view(cls.history_view),
                name="overallocation_history",
            ),
        ]


# -- fund transactions: recorded and reversed, never edited ------------------------


class ImmutableMixin:
    """No edit or delete buttons: an entry is corrected by its reversal."""

    def permissions(self):
        return {**super().permissions(), "change": False, "delete": False}


class FundTransactionDetailView(ImmutableMixin, ObjectDetailView):
    template_name = "funds/fundtransaction_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        entry = context["object"]
        context["reversal"] = FundTransaction.objects.filter(reverses=entry).first()
        context["can_reverse"] = (
            self.request.user.may(scoping.ADD, FundTransaction)
            and not entry.is_reversal
            and context["reversal"] is None
            and FundTransaction.objects.for_user(self.request.user, scoping.ADD)
            .filter(pk=entry.pk)
            .exists()
        )
        return context


class FundTransactionListView(ImmutableMixin, ObjectListView):
    pass


class FundTransactionHistoryView(ImmutableMixin, ObjectHistoryView):
    pass


class FundTransactionAddView(ImmutableMixin, ObjectEditView):
    pass


class FundTransactionReverseView(ImmutableMixin, ObjectViewMixin, TemplateView):
    """Cancel an entry with its negated amount, after the user says why."""

    template_name = "funds/fundtransaction_reverse.html"
    action = scoping.ADD  # a reversal is a new entry in the same project

    def get(self, request, *args, **kwargs):
        form = ReverseForm(initial={"date": timezone.localdate()})
        return self.render(self.get_object(), form)

    def post(self, request, *args, **kwargs):
        entry = self.get_object()
        form = ReverseForm(request.POST)
        if form.is_valid():
            try:
                reversal = fund_transaction_reverse(
                    entry=entry, user=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                add_model_errors(form, exc)
            else:
                messages.success(request, _("Reversed: %(object)s") % {"object": entry})
                return HttpResponseRedirect(reversal.get_absolute_url())
        return self.render(entry, form, status=400)

    def render(self, entry, form, status=200):
        context = self.get_context_data(object=entry, form=form)
        return self.render_to_response(context, status=status)


class FundTransactionViews(ObjectViews):
    model = FundTransaction
    filterset_class = FundTransactionFilterSet
    table_class = FundTransactionTable
    form_class = FundTransactionForm
    list_view = FundTransactionListView
    detail_view = FundTransactionDetailView
    history_view = FundTransactionHistoryView
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

    @classmethod
    def urls(cls):
        prefix = cls.path_prefix

        def view(view_class):
            return view_class.as_view(model=cls.model, config=cls)

        return [
            path(f"{prefix}/", view(cls.list_view), name="fundtransaction_list"),
            path(f"{prefix}/<int:pk>/", view(cls.detail_view), name="fundtransaction_detail"),
            path(f"{prefix}/add/", view(FundTransactionAddView), name="fundtransaction_add"),
            path(
                f"{prefix}/<int:pk>/reverse/",
                view(FundTransactionReverseView),
                name="fundtransaction_reverse",
            ),
            path(
                f"{prefix}/<int:pk>/history/",
                view(cls.history_view),
                name="fundtransaction_history",
            ),
        ]


# -- social support, investment, parks, consumption -------------------------------


class DonationViews(ObjectViews):
    model = Donation
    filterset_class = DonationFilterSet
    table_class = DonationTable
    form_class = DonationForm
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
    delete_view = ServiceDeleteView
    detail_select_related = ("investment__enterprise",)
    money_fields = ("amount",)
    path_prefix = "investments-in-place"

    @staticmethod
    def delete_service(tranche, user):
        investment_tranche_delete(tranche=tranche)


class ConsumptionSupportViews(ObjectViews):
    model = ConsumptionSupport
    filterset_class = ConsumptionSupportFilterSet
    table_class = ConsumptionSupportTable
    form_class = ConsumptionSupportForm
    detail_select_related = (*Pairing.name_related("pairing"), "buyer_organization")
    money_fields = ("amount",)
    path_prefix = "consumption"


# -- a project's funds ---------------------------------------------------------------


def project_funds_tab(request, project) -> dict:
    """Context of templates/funds/project_funds.html for a project the user may see."""
    user = request.user
    entries = (
        FundTransaction.objects.for_user(user)
        .filter(project=project)
        .select_related("payer", "payee", "reverses")
        .order_by("date", "id")
    )
    in_scope_for_writes = (
        user.may(scoping.ADD, FundTransaction)
        and Project.objects.for_user(user, scoping.ADD).filter(pk=project.pk).exists()
    )
    return {
        "project": project,
        "project_funds": project_funds(project),
        "fund_transactions": entries,
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


def _selected_year(request, years: list[int]) -> int:
    """The ``year`` asked for, else the latest year with money up to this one."""
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = None
    if year is not None and 2000 <= year <= 2100:
        return year
    this_year = timezone.localdate().year
    past = [y for y in years if y <= this_year]
    return max(past) if past else this_year


def _years_with_money(pairing_ids) -> list[int]:
    """Programme years with allocations or projects, newest first."""
    years = set(
        FundAllocation.objects.filter(pairing__in=pairing_ids).values_list("year", flat=True)
    )
    years |= set(Project.objects.filter(pairing__in=pairing_ids).values_list("year", flat=True))
    return sorted(years, reverse=True)


def pairing_funds_tab(request, pairing) -> dict:
    """The hub's "Funds" tab: one year's money of the pairing and the pairings below it."""
    user = request.user
    tree = Pairing.objects.descendant_ids([pairing.pk])
    visible = Pairing.objects.for_user(user).filter(pk__in=tree)
    pairing_ids = list(visible.values_list("pk", flat=True))
    years = _years_with_money(pairing_ids)
    year = _selected_year(request, years)
    # The current year is always offered, and so is any year typed into the address.
    years = sorted({*years, year, timezone.localdate().year}, reverse=True)
    by_pairing = funds_by_pairing(pairing_ids, year)
    names = visible.select_related(*Pairing.name_related()).order_by(*Pairing.DISPLAY_ORDER)
    breakdown = [
        (child, by_pairing[child.pk])
        for child in names
        if any(by_pairing[child.pk][key] for key in ("allocated", "committed"))
    ]
    allocations = (
        FundAllocation.objects.for_user(user)
        .filter(pairing__in=pairing_ids, year=year)
        .select_related(*Pairing.name_related("pairing"))
        .order_by("pairing__helping_region__code", "source_level", "id")
    )
    top_investments = (
        Investment.objects.for_user(user)
        .filter(pairing__in=pairing_ids)
        .filter(Q(agreed_on__year=year) | Q(tranches__date__year=year))
        .distinct()
        .select_related("enterprise", "park")
        .order_by("-amount_in_place", "id")[:10]
    )
    return {
        "funds_year": year,
        "funds_years": years,
        "funds": funds_summary(pairing_ids, year),
        "funds_growth": funds_growth(pairing_ids, year),
        "funds_breakdown": breakdown,
        "funds_allocations": allocations,
        "funds_top_investments": top_investments,
        "funds_query": f"pairing={pairing.pk}&year={year}",
    }
