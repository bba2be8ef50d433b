from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.http import HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from aidtrack.core import scoping
from aidtrack.core.forms import add_model_errors
from aidtrack.core.hub import first_page, hub_tabs
from aidtrack.core.search import Searchable
from aidtrack.core.views import (
    BrowserAccessMixin,
    FilterFormStatusMixin,
    ObjectDetailView,
    ObjectViewMixin,
    ObjectViews,
    save_in_scope,
)
from pairings.choices import RegionLevel
from pairings.filters import (
    AgreementFilterSet,
    AgreementTargetFilterSet,
    OrganizationFilterSet,
    PairingFilterSet,
    RegionFilterSet,
)
from pairings.forms import (
    AgreementForm,
    AgreementTargetForm,
    OrganizationForm,
    PairingForm,
    ReassignForm,
)
from pairings.models import Agreement, AgreementTarget, Organization, Pairing, Region
from pairings.selectors import pairing_tree
from pairings.services import pairing_reassign
from pairings.tables import (
    AgreementTable,
    AgreementTargetTable,
    OrganizationTable,
    PairingTable,
    RegionTable,
)


class RegionDetailView(ObjectDetailView):
    """A region with the way up (its ancestors) and the way down (its children)."""

    template_name = "pairings/region_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        region = context["object"]
        ancestors = []
        parent = region.parent
        while parent is not None:
            ancestors.insert(0, parent)
            parent = parent.parent
        context["ancestors"] = ancestors
        context["children"] = region.children.order_by("code")
        return context


class RegionViews(ObjectViews):
    model = Region
    filterset_class = RegionFilterSet
    table_class = RegionTable
    detail_view = RegionDetailView
    detail_fields = ("code", "name", "level", "full_name")
    # Provinces are three levels above townships: the whole way up in one query.
    detail_select_related = ("parent__parent__parent",)


class OrganizationViews(ObjectViews):
    model = Organization
    filterset_class = OrganizationFilterSet
    table_class = OrganizationTable
    form_class = OrganizationForm
    search = Searchable(
        rank=4, fields=("name", "credit_code"), select_related=("region",), detail="region"
    )
    detail_select_related = ("region",)


class PairingDetailView(ObjectDetailView):
    """The hub of a pairing: its details, then tabs.

    The first tab (pairings below, agreements) is this app's; the other apps
    add theirs through ``pairing_hub_tabs`` (aidtrack.core.hub).
    """

    template_name = "pairings/pairing_detail.html"
    OVERVIEW = "overview"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        pairing = context["object"]
        user = self.request.user
        tabs = hub_tabs(user)
        selected = next((tab for tab in tabs if tab.key == self.request.GET.get("tab")), None)
        context["hub_tabs"] = tabs
        context["hub_tab"] = selected
        if selected is not None:
            context.update(selected.context_function(self.request, pairing))
            return context
        children = Pairing.objects.for_user(user).filter(parent=pairing)
        context["children"] = first_page(
            children.select_related(*Pairing.name_related()).order_by(*Pairing.DISPLAY_ORDER),
            f"{reverse('pairings:pairing_list')}?parent={pairing.pk}",
            counted=children,
        )
        context["agreements"] = (
            Agreement.objects.for_user(user).filter(pairing=pairing).prefetch_related("targets")
        )
        context["can_add_agreement"] = user.may("add", Agreement)
        return context


class PairingViews(ObjectViews):
    model = Pairing
    filterset_class = PairingFilterSet
    table_class = PairingTable
    form_class = PairingForm
    # By either side's name; 2,000 pairings at national scale need no index of their own.
    search = Searchable(
        rank=3,
        fields=(
            "helping_region__full_name",
            "helped_region__full_name",
            "helping_organization__name",
            "helped_organization__name",
        ),
        select_related=Pairing.name_related(),
        detail="get_programme_display",
        order_by=("start_date", "id"),
    )
    detail_view = PairingDetailView
    detail_select_related = Pairing.name_related() + Pairing.name_related("parent")


class PairingReassignView(ObjectViewMixin, TemplateView):
    """End a pairing and start its successor with other sides (services.pairing_reassign)."""

    template_name = "pairings/pairing_reassign.html"
    action = scoping.CHANGE

    def get_form(self):
        data = self.request.POST if self.request.method == "POST" else None
        return ReassignForm(data, user=self.request.user)

    def get(self, request, *args, **kwargs):
        return self.render(self.get_object(), self.get_form())

    def post(self, request, *args, **kwargs):
        pairing = self.get_object()
        form = self.get_form()
        if form.is_valid():
            try:
                successor = save_in_scope(
                    lambda: pairing_reassign(pairing=pairing, **form.cleaned_data),
                    user=request.user,
                    action=scoping.ADD,
                )
            except ValidationError as exc:
                add_model_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("%(old)s ended; %(new)s starts on %(date)s.")
                    % {"old": pairing, "new": successor, "date": successor.start_date},
                )
                return HttpResponseRedirect(successor.get_absolute_url())
        return self.render(pairing, form, status=400)

    def render(self, pairing, form, status=200):
        context = self.get_context_data(object=pairing, form=form, active_tab="reassign")
        return self.render_to_response(context, status=status)


class AgreementViews(ObjectViews):
    model = Agreement
    filterset_class = AgreementFilterSet
    table_class = AgreementTable
    form_class = AgreementForm
    detail_select_related = Pairing.name_related("pairing")


class AgreementTargetViews(ObjectViews):
    model = AgreementTarget
    filterset_class = AgreementTargetFilterSet
    table_class = AgreementTargetTable
    form_class = AgreementTargetForm
    detail_select_related = Pairing.name_related("agreement__pairing")


class PairingTreeView(FilterFormStatusMixin, BrowserAccessMixin, TemplateView):
    """Province pairings › city pairings › county pairings › institution pairings."""

    template_name = "pairings/pairing_tree.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filterset = PairingFilterSet(
            self.request.GET or None,
            queryset=Pairing.objects.for_user(self.request.user).select_related(
                *Pairing.name_related()
            ),
            request=self.request,
        )
        context.update(
            roots=pairing_tree(filterset.filtered.order_by(*Pairing.DISPLAY_ORDER)),
            filter_form=filterset.form,
        )
        return context


SUGGESTION_LIMIT = 20
_LEVEL_ORDER = Case(
    *(When(level=level, then=Value(rank)) for rank, level in enumerate(RegionLevel.values)),
    output_field=IntegerField(),
)


class RegionSuggestView(BrowserAccessMixin, View):
    """Datalist options for the region picker: by code prefix or any part of the name."""

    def get(self, request):
        # htmx sends the input's own value under the field's name.
        query = (request.GET.get("q") or next(iter(request.GET.values()), "")).strip()
        if "\x00" in query:  # PostgreSQL cannot compare text with a NUL in it
            return HttpResponseBadRequest()
        readable = Region.objects.for_user(request.user)
        regions = readable.none()
        if query:
            code = query.split()[0]
            matches = (
                readable.filter(code__startswith=code)
                if code.isascii() and code.isdigit()
                else readable.filter(full_name__contains=query)
            )
            regions = matches.order_by(_LEVEL_ORDER, "code")[:SUGGESTION_LIMIT]
        return render(request, "pairings/region_suggestions.html", {"regions": regions})
