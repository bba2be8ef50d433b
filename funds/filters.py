"""One FilterSet per model, shared by the list pages, their exports and the API.

``pairing`` always includes the pairings below, so a dashboard figure of a
city pairing links to ``?pairing=<id>&year=<year>`` and lists exactly the
rows it was computed from.
"""

import django_filters
from django.utils.translation import gettext_lazy as _

from aidtrack.core.filters import IdFilter, MonthFilter, ScopedFilterSet, YearFilter
from funds.choices import (
    ConsumptionKind,
    DonationKind,
    ParkKind,
    SourceLevel,
    TransactionKind,
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
from pairings.filters import pairing_tree_filter


class PairingTreeFilterSet(ScopedFilterSet):
    """Adds ``pairing`` (id, with the pairings below)."""

    pairing = pairing_tree_filter("pairing")


def _date_range(field: str):
    return (
        django_filters.DateFilter(field_name=field, lookup_expr="gte", label=_("from")),
        django_filters.DateFilter(field_name=field, lookup_expr="lte", label=_("until")),
    )


class FundAllocationFilterSet(PairingTreeFilterSet):
    # A dashboard figure over several years links here with ``from_year`` (core.filters).
    year_range_filters = ("year",)
    search_fields = ("purpose", "document_reference")

    year = YearFilter(label=_("year"))
    source_level = django_filters.ChoiceFilter(choices=SourceLevel.choices, label=_("source level"))

    class Meta:
        model = FundAllocation
        fields = ["q", "pairing", "year", "source_level"]


class OverAllocationFilterSet(PairingTreeFilterSet):
    search_fields = ("reason",)

    year = YearFilter(label=_("year"))

    class Meta:
        model = OverAllocation
        fields = ["q", "pairing", "year"]


class FundTransactionFilterSet(PairingTreeFilterSet):
    # A dashboard figure over several years links here with ``from_year`` (core.filters).
    year_range_filters = ("year",)
    search_fields = ("project__name", "project__code", "voucher_number", "note")

    year = YearFilter(field_name="project__year", label=_("programme year"))
    kind = django_filters.ChoiceFilter(choices=TransactionKind.choices, label=_("kind"))
    project = IdFilter(field_name="project", label=_("project"), model="projects.Project")
    date_from, date_until = _date_range("date")
    reversals = django_filters.BooleanFilter(
        field_name="reverses", lookup_expr="isnull", exclude=True, label=_("reversals only")
    )

    class Meta:
        model = FundTransaction
        fields = ["q", "pairing", "year", "kind", "project", "date_from", "date_until", "reversals"]


class DonationFilterSet(PairingTreeFilterSet):
    # A dashboard figure over several years links here with ``from_year`` (core.filters).
    year_range_filters = ("year",)
    search_fields = (
        "donor_name",
        "donor_organization__name",
        "recipient_name",
        "recipient_organization__name",
        "items",
        "purpose",
    )

    year = YearFilter(field_name="date", lookup_expr="year", label=_("year"))
    kind = django_filters.ChoiceFilter(choices=DonationKind.choices, label=_("kind"))
    date_from, date_until = _date_range("date")

    class Meta:
        model = Donation
        fields = ["q", "pairing", "year", "kind", "date_from", "date_until"]


class ParkFilterSet(PairingTreeFilterSet):
    search_fields = ("name", "region__full_name", "description")

    kind = django_filters.ChoiceFilter(choices=ParkKind.choices, label=_("kind"))
    opened_by_year = YearFilter(
        method="filter_opened_by_year", label=_("opened by the end of year")
    )

    class Meta:
        model = Park
        fields = ["q", "pairing", "kind", "opened_by_year"]

    def filter_opened_by_year(self, queryset, name, value):
        return queryset.filter(opened_on__year__lte=value)


class InvestmentFilterSet(PairingTreeFilterSet):
    # A dashboard figure over several years links here with ``from_year`` (core.filters).
    year_range_filters = ("year",)
    search_fields = ("enterprise__name", "name", "industry")

    year = YearFilter(field_name="agreed_on", lookup_expr="year", label=_("year agreed"))
    enterprise = IdFilter(
        field_name="enterprise", label=_("enterprise"), model="pairings.Organization"
    )
    park = IdFilter(field_name="park", label=_("park"), model="funds.Park")
    industry = django_filters.CharFilter(lookup_expr="icontains", label=_("industry"))

    class Meta:
        model = Investment
        fields = ["q", "pairing", "year", "enterprise", "park", "industry"]


class InvestmentTrancheFilterSet(PairingTreeFilterSet):
    # A dashboard figure over several years links here with ``from_year`` (core.filters).
    year_range_filters = ("year",)
    search_fields = ("investment__enterprise__name", "investment__name", "note")
    # The row's copy of its investment's pairing (aidtrack.core.copies), not through a join.
    pairing = pairing_tree_filter("pairing")

    year = YearFilter(field_name="date", lookup_expr="year", label=_("year"))
    investment = IdFilter(field_name="investment", label=_("investment"), model="funds.Investment")

    class Meta:
        model = InvestmentTranche
        fields = ["q", "pairing", "year", "investment"]


class ConsumptionSupportFilterSet(PairingTreeFilterSet):
    # A dashboard figure over several years links here with ``from_year`` (core.filters).
    year_range_filters = ("year",)
    search_fields = ("product", "channel", "buyer_organization__name", "note")

    year = YearFilter(label=_("year"))
    month = MonthFilter(label=_("month"))
    kind = django_filters.ChoiceFilter(choices=ConsumptionKind.choices, label=_("kind"))

    class Meta:
        model = ConsumptionSupport
        fields = ["q", "pairing", "year", "month", "kind"]
