"""Declarative tables: one column list drives the list page and its exports.

A table is a list of columns; each knows how to read its value from a row,
how to sort by it and whether it links to the row. The body's cells are
built here, in Python (``Table.rows``): a list of 200 rows has 2,000 cells,
and a template tag per cell was most of the page's time. The header, totals
and the rest of the page are templates/generic/includes/table.html. Exports
read the same columns, so what a user downloads is what they were looking at.
"""

import html
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from operator import attrgetter
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model, Prefetch
from django.urls import NoReverseMatch, get_script_prefix, reverse
from django.utils import timezone
from django.utils.formats import localize
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from aidtrack.core import paging, scoping
from aidtrack.core.models import LinkedModel
from aidtrack.core.money import in_wan
from aidtrack.core.templatetags.aidtrack import cell, wan
from aidtrack.core.xlsx import MONEY_FORMAT, PERCENT_FORMAT


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
    # Shown in 万元/亿元 with the exact yuan on hover; exported as the number of
    # yuan (the header says （元）), formatted #,##0.00 in Excel.
    money: bool = False
    # A value in percent points (80 for 80%): shown "80%", exported to Excel as
    # the fraction 0.8 with a percentage format, to CSV as "80%" (which Excel
    # reads as that same percentage).
    percent: bool = False
    # A property's accessor: the model fields it reads (``reads=("phone",)``),
    # so an export reads those columns instead of whole rows (core.export_rows).
    reads: tuple[str, ...] = ()

    # How to read the accessor from a row, worked out once from the model
    # (``bind``): each step's attribute, and the choice field whose label it
    # shows. None until bound: read step by step (any object).
    steps: list | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def heading(self) -> str:
        """The page's header: a money column's cells are in 万元, and it says so.

        (Downloads keep ``verbose_name``: they carry the exact yuan.)
        """
        return in_wan(self.verbose_name) if self.money else self.verbose_name

    def bind(self, model: type[Model]) -> None:
        """Resolve the accessor against ``model``: plain attributes and choice labels.

        A choice field shows its label, as ``get_FOO_display`` would, read from
        a table of labels per language instead of a call per cell (an export of
        100,000 rows spent most of its time there).
        """
        if self.steps is not None:
            return
        steps = []
        for step in self.accessor.split("__"):
            try:
                model_field = model._meta.get_field(step) if model is not None else None
            except FieldDoesNotExist:
                model_field = None
            if model_field is None or not model_field.concrete:
                steps.append((step, None, True))  # a property or annotation: as it comes
                model = None
            elif model_field.choices:
                steps.append((model_field.attname, model_field, False))
                model = None
            else:
                steps.append((step, None, False))
                model = model_field.related_model
        self.steps = steps

    def raw_value(self, row: Model) -> Any:
        if self.steps is None:
            self.bind(type(row))
        if len(self.steps) == 1 and self.steps[0][1] is None and not self.steps[0][2]:
            return getattr(row, self.steps[0][0])  # the common case: one plain attribute
        value: Any = row
        for name, choice_field, dynamic in self.steps:
            if value is None:
                return None
            if choice_field is not None:
                raw = getattr(value, name)
                value = choice_labels(choice_field).get(raw, raw)
            elif dynamic:
                display = getattr(value, f"get_{name}_display", None)
                value = display() if display is not None else getattr(value, name)
            else:
                value = getattr(value, name)
        return value

    def reader(self) -> Callable[[Model], Any]:
        """``value`` as a function for many rows: the labels of the active language
        looked up once, not per cell (that lookup was a tenth of an export)."""
        if self.steps is None:
            return self.value
        steps = [
            (name, None if choice_field is None else choice_labels(choice_field), dynamic)
            for name, choice_field, dynamic in self.steps
        ]
        formatter = self.formatter
        if len(steps) == 1 and not steps[0][2]:
            name, labels, _dynamic = steps[0]
            if labels is None and formatter is None:
                return attrgetter(name)

            def read_one(row):
                value = getattr(row, name)
                if labels is not None:
                    value = labels.get(value, value)
                return formatter(value) if formatter is not None and value is not None else value

            return read_one

        def read(row):
            value = row
            for name, labels, dynamic in steps:
                if value is None:
                    return None
                if labels is not None:
                    raw = getattr(value, name)
                    value = labels.get(raw, raw)
                elif dynamic:
                    display = getattr(value, f"get_{name}_display", None)
                    value = display() if display is not None else getattr(value, name)
                else:
                    value = getattr(value, name)
            return formatter(value) if formatter is not None and value is not None else value

        return read

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
            return value.isoformat()[:10]  # Y-m-d of the value as stored (a date or datetime)
        return str(value)

    @property
    def number_format(self) -> str | None:
        """The Excel number format of the column's numbers (None: as they come)."""
        if self.money:
            return MONEY_FORMAT
        if self.percent:
            return PERCENT_FORMAT
        return None

    def td(self, row: Model, value: Any, url: str | None) -> str:
        """The body cell, as the template showed it (``money`` or ``cell``, linked)."""
        if self.money:
            return f'<td class="text-end text-nowrap">{wan(value)}</td>'
        if self.percent:
            shown = "—" if value is None else f"{_escape(localize(value))}%"
            return f'<td class="text-end">{shown}</td>'
        if self.link:
            return f'<td><a href="{_escape(url)}">{_cell_html(value, plain=True)}</a></td>'
        return f"<td>{_cell_html(value)}</td>"


def _cell_html(value, plain: bool = False) -> str:
    """``{{ value|cell }}``: the same text, with the common cases (text, numbers,
    dates, related records) done here instead of through the template filter."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        return _escape(value)
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")  # "Y-m-d H:i"
    if isinstance(value, date):
        return value.isoformat()  # "Y-m-d"
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return _escape(localize(value))  # as {{ value }} shows a number
    if not plain and isinstance(value, Model):
        related_url = detail_url(value)
        if related_url:
            return f'<a href="{_escape(related_url)}">{_escape(value)}</a>'
        return _escape(value)
    shown = cell(value, plain)  # the rest (yes/no, files): as the filter does
    if isinstance(shown, int | float | Decimal) and not isinstance(shown, bool):
        shown = localize(shown)
    return _escape(shown)


def _escape(value) -> str:
    """``conditional_escape`` without its lazy-text wrapper (a third of a cell's time)."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


_URL_PARTS: dict = {}
_SENTINEL_PK = 9_876_543_210


def detail_url(obj: Model) -> str | None:
    """``obj.get_absolute_url()``, reversed once per model rather than once per cell.

    A list of 200 rows links each row and its related records: ``reverse()``
    per link was a third of the page. The detail URL is resolved once with a
    stand-in id and the row's id put in its place; a model with its own
    ``get_absolute_url`` is asked as before.
    """
    model = type(obj)
    if getattr(model.get_absolute_url, "__func__", model.get_absolute_url) is not (
        LinkedModel.get_absolute_url
    ):
        return obj.get_absolute_url() if hasattr(obj, "get_absolute_url") else None
    key = (model, get_script_prefix())
    parts = _URL_PARTS.get(key)
    if parts is None:
        try:
            url = reverse(model.url_name("detail"), args=[_SENTINEL_PK])
        except NoReverseMatch:
            parts = ()
        else:
            before, _sentinel, after = url.rpartition(str(_SENTINEL_PK))
            parts = (before, after)
        _URL_PARTS[key] = parts
    if not parts:
        return None
    return f"{parts[0]}{obj.pk}{parts[1]}"


_LABELS: dict[tuple[int, str | None], dict] = {}


def choice_labels(choice_field) -> dict:
    """``{stored value: label}`` of a choice field in the active language."""
    key = (id(choice_field), get_language())
    labels = _LABELS.get(key)
    if labels is None:
        labels = {value: str(label) for value, label in choice_field.flatchoices}
        _LABELS[key] = labels
    return labels


def names_read_apart(queryset):
    """``queryset`` reading each related record whose name is made of records of its own
    (a model's ``NAME_RELATED``: a pairing's sides) in a query of its own.

    Joined into a page's query, a pairing's name is five more tables for each
    pairing column, and PostgreSQL's planner searches the orders in which to
    join them all: at national scale a list's row query took 10-40 ms to plan
    and 1-8 ms to run. Read apart (a ``Prefetch`` of the page's distinct
    pairings with their sides), the rows plan in about a millisecond, and the
    names cost one more query of a few milliseconds a page. The same records
    reach the rows, so ``str()`` runs no query. Sorting by such a column still
    joins what the order needs.

    Only for a foreign key of the listed model whose ``select_related`` branch
    is exactly those name records; any other branch stays joined.
    """
    tree = queryset.query.select_related
    if not isinstance(tree, dict):
        return queryset
    joined, apart = [], []
    for name, branch in tree.items():
        field = queryset.model._meta.get_field(name)
        related = field.related_model
        parts = getattr(related, "NAME_RELATED", None)
        if field.many_to_one and parts and branch == {part: {} for part in parts}:
            named = related._default_manager.select_related(*parts)
            apart.append(Prefetch(name, queryset=named))
        else:
            joined.extend(_select_paths(name, branch))
    if not apart:
        return queryset
    queryset = queryset.select_related(None).prefetch_related(*apart)
    # (select_related() without paths would follow every relation)
    return queryset.select_related(*joined) if joined else queryset


def _select_paths(prefix: str, branch: dict) -> list[str]:
    """The ``select_related`` paths of a branch of ``query.select_related``: its leaves."""
    if not branch:
        return [prefix]
    return [
        path for name, sub in branch.items() for path in _select_paths(f"{prefix}__{name}", sub)
    ]


class Table:
    """Subclass and set ``columns``; ``select_related`` keeps row access to one query."""

    columns: list[Column] = []
    select_related: tuple[str, ...] = ()
    prefetch_related: tuple[str, ...] = ()
    default_order: tuple[str, ...] = ()
    # The foreign key the default order leads with, where its model has few rows per
    # pairing (a team's members): a page reads the rows of those parents in the list's
    # pairings (page_source).
    leading_parent: str | None = None

    def __init__(self, model: type[Model]):
        self.model = model
        for column in self.columns:
            if column.verbose_name is None:
                column.verbose_name = self._verbose_name(column.accessor)
            column.bind(model)

    def _verbose_name(self, accessor: str):
        model = self.model
        field = None
        for step in accessor.split("__"):
            field = model._meta.get_field(step)
            model = field.related_model or model
        return field.verbose_name if field is not None else accessor

    def page_source(self, queryset, sort: str):
        """What a page of the list reads its rows from: ``queryset`` with the names of its
        related records read apart (``names_read_apart``), and for the default order
        (``sort`` "") of a table with a ``leading_parent``, the same rows through those
        parents (core.scoping.parents_in_pairings). Not for counts or totals."""
        if self.leading_parent and not sort:
            queryset = scoping.parents_in_pairings(queryset, self.leading_parent)
        return names_read_apart(queryset)

    def reads_ids_first(self, queryset, keys: list[paging.SortKey], sort: str) -> bool:
        """Whether a page of ``queryset`` in ``sort`` (its ``keys``, from ``sort_keys``) picks
        its ids before its rows: in the default order, where ``paging.reads_ids_first``."""
        return not sort and paging.reads_ids_first(queryset, keys)

    def prepare(self, queryset):
        if self.select_related:
            queryset = queryset.select_related(*self.select_related)
        if self.prefetch_related:
            queryset = queryset.prefetch_related(*self.prefetch_related)
        return queryset

    def sortable(self) -> dict[str, str]:
        """Map of the ``sort`` parameter values a user may send to ORM orderings."""
        return {c.accessor: c.order_by for c in self.columns if c.order_by}

    def sort_keys(self, queryset, sort: str | None) -> tuple[list[paging.SortKey], str]:
        """The requested column's order (else the default), the id breaking ties.

        ``(keys, sort)``: a total order the list pages by (core.paging) and
        the ``sort`` value in effect ("" for the default order).
        """
        sortable = self.sortable()
        key = (sort or "").lstrip("-")
        if key in sortable:
            descending = sort.startswith("-")
            ordering = [f"{'-' if descending else ''}{sortable[key]}"]
            return paging.sort_keys(queryset, ordering, pk_descending=descending), sort
        ordering = self.default_order or self.model._meta.ordering or ("pk",)
        return paging.sort_keys(queryset, ordering), ""

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

    def rows(self, objects) -> list[tuple[Model, str]]:
        """``(row, cells)`` for each row: its ``<td>`` cells as one safe HTML string."""
        columns = [(column, column.reader()) for column in self.columns]
        links = any(column.link for column in self.columns)
        rows = []
        for obj in objects:
            url = detail_url(obj) if links else None  # obj.get_absolute_url()
            cells = "".join(column.td(obj, read(obj), url) for column, read in columns)
            rows.append((obj, mark_safe(cells)))  # noqa: S308 (each part escaped by Column.td)
        return rows
