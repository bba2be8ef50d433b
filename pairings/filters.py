import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aidtrack.core.filters import IdFilter, ScopedFilterSet, YearFilter, reference_widget
from aidtrack.core.lookups import filter_any_id
from pairings.choices import OrganizationKind, PairingLevel, PairingStatus, Programme, RegionLevel
from pairings.models import Agreement, AgreementTarget, Organization, Pairing, Region


def pairing_tree_filter(lookup: str) -> IdFilter:
    """``?pairing=<id>``: rows whose ``lookup`` is that pairing or one below it.

    Every list's pairing filter: a dashboard figure of a city pairing counts
    the pairings below it, so its link lists exactly the rows it was computed
    from. The tree's ids go as one array parameter, merged with the scope's
    test of the same column (``filter_any_id``).
    """

    def in_tree(queryset, name, value):
        return filter_any_id(queryset, lookup, Pairing.objects.descendant_ids([value]))

    return IdFilter(
        method=in_tree, label=_("pairing (incl. pairings below)"), model="pairings.Pairing"
    )


def _within_region(lookup: str):
    """A filter method: rows whose ``lookup`` region is the given code or lies inside it."""

    def method(self, queryset, name, value):
        region = Region.objects.filter(code=value.strip()).first()
        if region is None:
            return queryset.none()
        return queryset.filter(region.subtree_q(lookup))

    return method


class RegionFilterSet(ScopedFilterSet):
    search_fields = ("code", "full_name")

    level = django_filters.ChoiceFilter(choices=RegionLevel.choices, label=_("level"))
    parent = django_filters.CharFilter(field_name="parent__code", label=_("parent code"))

    class Meta:
        model = Region
        fields = ["q", "level", "parent"]

    def search(self, queryset, name, value):
        value = value.strip()
        if value.isdigit():
            return queryset.filter(code__startswith=value)
        return super().search(queryset, name, value)


class OrganizationFilterSet(ScopedFilterSet):
    search_fields = ("name", "credit_code", "region__full_name")

    kind = django_filters.ChoiceFilter(choices=OrganizationKind.choices, label=_("kind"))
    region = django_filters.CharFilter(
        method="filter_region",
        label=_("region"),
        widget=reference_widget("pairings.Region", "code"),
    )
    filter_region = _within_region("region")

    class Meta:
        model = Organization
        fields = ["q", "kind", "region"]


class PairingFilterSet(ScopedFilterSet):
    search_fields = (
        "helping_region__full_name",
        "helped_region__full_name",
        "helping_organization__name",
        "helped_organization__name",
        "notes",
    )

    programme = django_filters.ChoiceFilter(choices=Programme.choices, label=_("programme"))
    level = django_filters.ChoiceFilter(choices=PairingLevel.choices, label=_("level"))
    status = django_filters.ChoiceFilter(choices=PairingStatus.choices, label=_("status"))
    province = django_filters.ChoiceFilter(
        method="filter_province", choices=(), label=_("province (either side)")
    )
    # Chosen by name; the parameter stays the region's code (?helping=442000).
    helping = django_filters.CharFilter(
        method="filter_helping",
        label=_("helping side"),
        widget=reference_widget("pairings.Region", "code"),
    )
    helped = django_filters.CharFilter(
        method="filter_helped",
        label=_("helped side"),
        widget=reference_widget("pairings.Region", "code"),
    )
    active_in_year = YearFilter(method="filter_active_in_year", label=_("active in year"))
    # Chosen by name: a drop-down of every pairing would grow with the table.
    parent = IdFilter(field_name="parent", label=_("parent pairing"), model="pairings.Pairing")

    filter_helping = _within_region("helping_region")
    filter_helped = _within_region("helped_region")

    class Meta:
        model = Pairing
        fields = [
            "q",
            "programme",
            "level",
            "status",
            "province",
            "helping",
            "helped",
            "active_in_year",
            "parent",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["province"].extra["choices"] = Region.objects.filter(
            level=RegionLevel.PROVINCE
        ).values_list("code", "name")

    def filter_province(self, queryset, name, value: str):
        prefix = value[:2]
        return queryset.filter(
            Q(helping_region__code__startswith=prefix) | Q(helped_region__code__startswith=prefix)
        )

    def filter_active_in_year(self, queryset, name, year):
        return queryset.filter(start_date__year__lte=year).filter(
            Q(end_date__isnull=True) | Q(end_date__year__gte=year)
        )


class AgreementFilterSet(ScopedFilterSet):
    search_fields = ("title", "reference", "notes")

    year = YearFilter(label=_("year"))
    pairing = IdFilter(field_name="pairing", label=_("pairing"), model="pairings.Pairing")

    class Meta:
        model = Agreement
        fields = ["q", "year", "pairing"]


class AgreementTargetFilterSet(ScopedFilterSet):
    search_fields = ("indicator_code", "indicator_name")

    year = YearFilter(field_name="agreement__year", label=_("year"))
    agreement = IdFilter(field_name="agreement", label=_("agreement"), model="pairings.Agreement")
    # The row's copy of its agreement's pairing (aidtrack.core.copies), not through a join.
    pairing = IdFilter(field_name="pairing", label=_("pairing"), model="pairings.Pairing")

    class Meta:
        model = AgreementTarget
        fields = ["q", "year", "agreement", "pairing"]
