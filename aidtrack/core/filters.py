"""Base FilterSet: shared by list pages, the API and exports.

Every number a filter takes is bounded (``BoundedNumberFilter`` and the
kinds below): a value past the bounds is the filter form's error, hence a
400 naming the parameter over the API and a form error on the page, never a
number the database or ``datetime`` cannot take (year 0, an id past bigint).
"""

import operator
from decimal import Decimal
from functools import reduce

import django_filters
from django import forms
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aidtrack.core import scoping
from aidtrack.core.forms import FilterForm
from aidtrack.core.references import ReferenceInput

# Wide enough for any year a record can carry (pairings began in 1996), narrow
# enough for ``date(year, 1, 1)`` and for year arithmetic.
FIRST_YEAR, LAST_YEAR = 1900, 2100
# Ids are PostgreSQL bigints (DEFAULT_AUTO_FIELD = BigAutoField).
LAST_ID = 2**63 - 1
# "Within N days": ten years is more than any planned secondment.
LAST_DAY_WINDOW = 3660
# Amounts are DecimalField(max_digits=16, decimal_places=2) everywhere.
LARGEST_AMOUNT = Decimal("99999999999999.99")
# The parameter that turns a list's year filter into a range (ScopedFilterSet).
FROM_YEAR = "from_year"


class BoundedNumberFilter(django_filters.NumberFilter):
    """A whole number between the kind's ``min_value`` and ``max_value``."""

    field_class = forms.IntegerField
    min_value: int | Decimal | None = None
    max_value: int | Decimal | None = None

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", self.min_value)
        kwargs.setdefault("max_value", self.max_value)
        super().__init__(*args, **kwargs)

    def get_max_validator(self):
        return None  # ``max_value`` already bounds the field


class YearFilter(BoundedNumberFilter):
    min_value, max_value = FIRST_YEAR, LAST_YEAR


class IdFilter(BoundedNumberFilter):
    """A record's id, e.g. ``?pairing=12`` (an id that does not exist matches nothing).

    ``model`` (a label, ``"pairings.Pairing"``) lets the page choose the record
    by name (``core.references.ReferenceInput``); the parameter stays the id.
    """

    min_value, max_value = 1, LAST_ID

    def __init__(self, *args, model: str | None = None, **kwargs):
        if model is not None:
            kwargs.setdefault("widget", ReferenceInput(model))
        super().__init__(*args, **kwargs)


def reference_widget(model: str, to_field: str = "pk") -> ReferenceInput:
    """The type-ahead box for a filter that takes another value than the id (a region code)."""
    return ReferenceInput(model, to_field=to_field)


class MonthFilter(BoundedNumberFilter):
    min_value, max_value = 1, 12


class QuarterFilter(BoundedNumberFilter):
    min_value, max_value = 1, 4


class DaysFilter(BoundedNumberFilter):
    min_value, max_value = 0, LAST_DAY_WINDOW


class AmountFilter(BoundedNumberFilter):
    """An amount in yuan, to the fen."""

    field_class = forms.DecimalField
    min_value, max_value = Decimal(0), LARGEST_AMOUNT

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", 16)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(*args, **kwargs)


def _kept_for_the_range(queryset, name, value):
    """``from_year`` filters nothing alone: ``ScopedFilterSet.filter_queryset`` reads it."""
    return queryset


class ScopedFilterSet(django_filters.FilterSet):
    """A FilterSet whose related-record choices are limited to the user's scope.

    ``search_fields`` drive the free-text ``q`` filter.
    """

    search_fields: tuple[str, ...] = ()
    # Year filters that ``from_year`` turns into a range: ``?from_year=2021&year=2023``
    # keeps the rows the ``year`` filter keeps for any of 2021, 2022 and 2023. The
    # dashboards' figures over a period link to their rows this way, and each year
    # keeps its filter's own definition (a deployment *begun* in the year, a project
    # *completed* in it), so the list recounts the figure.
    year_range_filters: tuple[str, ...] = ()

    q = django_filters.CharFilter(method="search", label=_("Search"))

    @classmethod
    def get_filters(cls):
        filters = super().get_filters()
        # Checked as each FilterSet is defined: an unbounded number is the 500 of issue 12.
        for name, filter_ in filters.items():
            if isinstance(filter_, django_filters.NumberFilter) and (
                filter_.extra.get("min_value") is None or filter_.extra.get("max_value") is None
            ):
                raise ImproperlyConfigured(
                    f"{cls.__name__}.{name}: a number filter needs bounds; use one of "
                    "YearFilter, IdFilter, MonthFilter, QuarterFilter, DaysFilter, "
                    "AmountFilter (aidtrack.core.filters) or give min_value and max_value."
                )
        if cls.year_range_filters:
            filters[FROM_YEAR] = YearFilter(method=_kept_for_the_range, label=_("from year"))
        return filters

    def filter_queryset(self, queryset):
        """The year filters of ``year_range_filters`` that have a value keep the rows of any
        year from ``from_year`` to that value; every other filter as usual."""
        cleaned = self.form.cleaned_data
        first = cleaned.get(FROM_YEAR)
        ranged = [
            name
            for name in self.year_range_filters
            if first is not None and cleaned.get(name) is not None and first < cleaned[name]
        ]
        if not ranged:
            return super().filter_queryset(queryset)
        for name, value in cleaned.items():
            if name not in ranged:
                queryset = self.filters[name].filter(queryset, value)
        for name in ranged:
            years = range(first, cleaned[name] + 1)
            queryset = reduce(
                operator.or_, (self.filters[name].filter(queryset, year) for year in years)
            )
        return queryset

    def __init__(self, data=None, queryset=None, *, request=None, **kwargs):
        for filter_ in self.base_filters.values():
            # A form field built on the class's filters (drf-spectacular builds them for
            # the schema, core.params on a request's first use) would be deep-copied with
            # them on every request, keeping the choices of that moment and the unscoped
            # queryset: dropped before the copy, each request builds its own.
            filter_.__dict__.pop("_field", None)
        super().__init__(data, queryset, request=request, **kwargs)
        user = getattr(request, "user", None)
        for filter_ in self.filters.values():
            queryset = filter_.extra.get("queryset")
            if queryset is not None and hasattr(queryset, "for_user"):
                filter_.extra["queryset"] = queryset.for_user(user, scoping.VIEW)
            widget = filter_.extra.get("widget")
            if isinstance(widget, ReferenceInput) and user is not None:
                # The name shown for ?pairing=5 is looked up among the rows in scope only.
                filter_.extra["widget"] = widget.scoped(user)

    @property
    def filtered(self):
        """The filtered rows, or all of them while the filter input is invalid
        (the form then shows what is wrong)."""
        return self.queryset if self.invalid else self.qs

    @property
    def narrowed(self) -> bool:
        """Whether a filter was given a value: the list is less than the user's whole scope."""
        return self.is_bound and not self.invalid and any(self.data.get(n) for n in self.filters)

    @property
    def invalid(self) -> bool:
        """Whether the form refuses a parameter (and names it in its errors)."""
        return self.is_bound and not self.is_valid()

    def get_form_class(self):
        fields = {name: filter_.field for name, filter_ in self.filters.items()}
        return type(f"{type(self).__name__}Form", (FilterForm,), fields)

    def search(self, queryset, name, value):
        value = value.strip()
        if not value or not self.search_fields:
            return queryset
        return queryset.filter(search_q(self.search_fields, value))


def search_q(fields, value: str) -> Q:
    """The free-text rule: ``value`` anywhere in any of ``fields``, in any case.

    The lists' ``q`` and the navbar's search (core.search) both use it, so a
    group's "more" link lists what the search found.
    """
    condition = Q()
    for field in fields:
        condition |= Q(**{f"{field}__icontains": value})
    return condition
