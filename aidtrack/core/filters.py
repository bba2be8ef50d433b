"""Base FilterSet: shared by list pages, the API and exports."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aidtrack.core import scoping
from aidtrack.core.forms import FilterForm


class ScopedFilterSet(django_filters.FilterSet):
    """A FilterSet whose related-record choices are limited to the user's scope.

    ``search_fields`` drive the free-text ``q`` filter.
    """

    search_fields: tuple[str, ...] = ()

    q = django_filters.CharFilter(method="search", label=_("Search"))

    def __init__(self, data=None, queryset=None, *, request=None, **kwargs):
        super().__init__(data, queryset, request=request, **kwargs)
        user = getattr(request, "user", None)
        for filter_ in self.filters.values():
            queryset = filter_.extra.get("queryset")
            if queryset is not None and hasattr(queryset, "for_user"):
                filter_.extra["queryset"] = queryset.for_user(user, scoping.VIEW)

    @property
    def filtered(self):
        """The filtered rows, or all of them while the filter input is invalid
        (the form then shows what is wrong)."""
        return self.qs if self.is_bound and self.is_valid() else self.queryset

    def get_form_class(self):
        fields = {name: filter_.field for name, filter_ in self.filters.items()}
        return type(f"{type(self).__name__}Form", (FilterForm,), fields)

    def search(self, queryset, name, value):
        value = value.strip()
        if not value or not self.search_fields:
            return queryset
        condition = Q()
        for field in self.search_fields:
            condition |= Q(**{f"{field}__icontains": value})
        return queryset.filter(condition)
