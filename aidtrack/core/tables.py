"""Declarative tables: one column list drives the list page and its exports.

A table is a list of columns; each knows how to read its value from a row,
how to sort by it and whether it links to the row. Rendering is done by
templates/generic/includes/table.html; exports read the same columns, so what
a user downloads is what they were looking at.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Model
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _


@dataclass
class Column:
    # Attribute path from the row, with "__" between steps ("parent__name").
    accessor: str
    verbose_name: Any = None
    # Field lookup to sort by; None makes the column unsortable.
    order_by: str | None = None
    link: bool = False
    # Turns the raw value into what is displayed and exported.
    formatter: Callable[[Any], Any] | None = None
    # An aggregate (``Sum("amount")``) computed in SQL over the whole filtered
    # list, not the page, and shown in the totals row of the page and exports.
    total: Any = None
    # Shown in 万元/亿元 with the exact yuan on hover; exported as the number.
    money: bool = False

    def raw_value(self, row: Model) -> Any:
        value: Any = row
        for step in self.accessor.split("__"):
            if value is None:
                return None
            display = getattr(value, f"get_{step}_display", None)
            value = display() if display is not None else getattr(value, step)
        return value

    def value(self, row: Model) -> Any:
        value = self.raw_value(row)
        if self.formatter is not None and value is not None:
            return self.formatter(value)
        return value

    def text(self, row: Model) -> str:
        """The value as plain text, for exports."""
        value = self.value(row)
        if value is None:
            return ""
        if isinstance(value, bool):
            return str(_("Yes") if value else _("No"))
        if hasattr(value, "isoformat") and hasattr(value, "year"):
            return date_format(value, "Y-m-d")
        return str(value)


class Table:
    """Subclass and set ``columns``; ``select_related`` keeps row access to one query."""

    columns: list[Column] = []
    select_related: tuple[str, ...] = ()
    prefetch_related: tuple[str, ...] = ()
    default_order: tuple[str, ...] = ()

    def __init__(self, model: type[Model]):
        self.model = model
        for column in self.columns:
            if column.verbose_name is None:
                column.verbose_name = self._verbose_name(column.accessor)

    def _verbose_name(self, accessor: str):
        model = self.model
        field = None
        for step in accessor.split("__"):
            field = model._meta.get_field(step)
            model = field.related_model or model
        return field.verbose_name if field is not None else accessor

    def prepare(self, queryset):
        if self.select_related:
            queryset = queryset.select_related(*self.select_related)
        if self.prefetch_related:
            queryset = queryset.prefetch_related(*self.prefetch_related)
        return queryset

    def sortable(self) -> dict[str, str]:
        """Map of the ``sort`` parameter values a user may send to ORM orderings."""
        return {c.accessor: c.order_by for c in self.columns if c.order_by}

    def order(self, queryset, sort: str | None):
        """Order by the requested column, keeping the id as a tiebreaker so pages are stable."""
        sortable = self.sortable()
        key = (sort or "").lstrip("-")
        if key in sortable:
            prefix = "-" if sort.startswith("-") else ""
            return queryset.order_by(f"{prefix}{sortable[key]}", f"{prefix}pk"), sort
        ordering = self.default_order or self.model._meta.ordering or ("pk",)
        return queryset.order_by(*ordering, "pk"), ""

    def header(self, sort: str):
        """Column headers with the sort value a click on each should send."""
        for column in self.columns:
            active = sort.lstrip("-") == column.accessor
            descending = active and sort.startswith("-")
            yield {
                "column": column,
                "sortable": bool(column.order_by),
                "active": active,
                "descending": descending,
                "next_sort": f"-{column.accessor}"
                if active and not descending
                else column.accessor,
            }

    def has_totals(self) -> bool:
        return any(column.total is not None for column in self.columns)

    def totals(self, queryset) -> list[tuple[Column, Any]] | None:
        """Each column with its total over ``queryset`` (None where it has none), in one query."""
        if not self.has_totals():
            return None
        aggregates = {
            f"total_{index}": column.total
            for index, column in enumerate(self.columns)
            if column.total is not None
        }
        values = queryset.order_by().aggregate(**aggregates)
        return [(column, values.get(f"total_{index}")) for index, column in enumerate(self.columns)]

    def rows(self, objects) -> list:
        return [(obj, [(column, column.value(obj)) for column in self.columns]) for obj in objects]
