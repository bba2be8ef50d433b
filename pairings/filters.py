import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aidtrack.core.filters import ScopedFilterSet
from pairings.choices import PairingLevel, PairingStatus, Programme, RegionLevel
from pairings.models import Pairing, Region


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


class PairingFilterSet(ScopedFilterSet):
    search_fields = ("helping_region__full_name", "helped_region__full_name", "notes")

    programme = django_filters.ChoiceFilter(choices=Programme.choices, label=_("programme"))
    level = django_filters.ChoiceFilter(choices=PairingLevel.choices, label=_("level"))
    status = django_filters.ChoiceFilter(choices=PairingStatus.choices, label=_("status"))
    region = django_filters.CharFilter(method="filter_region", label=_("region code"))
    active_in_year = django_filters.NumberFilter(
        method="filter_active_in_year", label=_("active in year")
    )
    # By id: a drop-down of every pairing would grow with the table.
    parent = django_filters.NumberFilter(field_name="parent", label=_("parent pairing (id)"))

    class Meta:
        model = Pairing
        fields = ["q", "programme", "level", "status", "region", "active_in_year", "parent"]

    def filter_region(self, queryset, name, value):
        region = Region.objects.filter(code=value.strip()).first()
        if region is None:
            return queryset.none()
        return queryset.filter(
            region.subtree_q("helping_region") | region.subtree_q("helped_region")
        )

    def filter_active_in_year(self, queryset, name, value):
        year = int(value)
        return queryset.filter(start_date__year__lte=year).filter(
            Q(end_date__isnull=True) | Q(end_date__year__gte=year)
        )
