"""Keyset paging and capped counts for the HTML lists.

A list of millions of rows must cost the same on its first page and its
last. ``OFFSET 250000`` reads and throws away 250,000 rows, and an exact
``COUNT(*)`` reads them all; so a list page here

- orders by a total order: the requested sort, then the row's id (``sort_keys``);
- moves by **cursor**: "the rows after (or before) the row whose sort values
  were these", a ``WHERE`` an index on the same columns answers directly.
  A cursor is signed (core.signed, as the API's are): one we did not hand
  out is a 400, never a query;
- "last" is the first page of the reversed order;
- counts at most ``COUNT_CAP`` rows (``capped_count``): "10,000+" past that.

NULLs sort as PostgreSQL puts them by default (last ascending, first
descending), so a reversed order is exactly the order read backwards.
"""

import json
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from functools import reduce
from operator import or_
from uuid import UUID

from django.contrib.postgres.expressions import ArraySubquery
from django.core.exceptions import BadRequest, FieldDoesNotExist
from django.db.models import F, Q

from aidtrack.core import lookups, scoping
from aidtrack.core.signed import BadToken, sign_token, unsign_token

# Past this many rows a list says "10,000+" and shows no totals: counting
# (and summing) more on every page is the full-table work paging avoids.
COUNT_CAP = 10_000
CURSOR_PARAM = "cursor"
_SALT = "aidtrack.list.cursor"
# Cursor directions: the rows after a row, before a row, or the last page.
AFTER, BEFORE, LAST = "a", "b", "l"


@dataclass(frozen=True)
class SortKey:
    """One column of a total order."""

    lookup: str  # ORM path, as ``order_by`` and ``filter`` take it
    descending: bool
    nullable: bool
    # Where a fetched row holds the value: a local column or an annotation;
    # None when the value lies across a relation (read through an annotation).
    attribute: str | None

    def reversed(self) -> "SortKey":
        return SortKey(self.lookup, not self.descending, self.nullable, self.attribute)

    @property
    def ordering(self) -> str:
        return f"-{self.lookup}" if self.descending else self.lookup


def sort_keys(queryset, ordering, *, pk_descending: bool = False) -> list[SortKey]:
    """The ordering as sort keys ending with the primary key (a total order).

    Relations expand to their model's own ordering, as ``order_by`` does, so
    the rows come in the same order as before and each key is a plain value.
    The primary key breaks ties (``pk_descending``) unless the ordering has it.
    """
    model = queryset.model
    keys: list[SortKey] = []
    seen = set()
    for term in ordering:
        for key in _expand(queryset, model, term.lstrip("-"), term.startswith("-")):
            if key.lookup in seen:
                continue
            seen.add(key.lookup)
            keys.append(key)
            if key.lookup == "pk":
                return keys  # the rest cannot change the order
    keys.append(SortKey("pk", pk_descending, False, model._meta.pk.attname))
    return keys


def _expand(queryset, model, lookup: str, descending: bool, prefix: str = "", nullable=False):
    if lookup in ("pk", model._meta.pk.name) and not prefix:
        yield SortKey("pk", descending, False, model._meta.pk.attname)
        return
    if not prefix and lookup in queryset.query.annotations:
        yield SortKey(lookup, descending, True, lookup)
        return
    current = model
    field = None
    parts = lookup.split("__")
    for index, part in enumerate(parts):
        try:
            field = current._meta.get_field(part)
        except FieldDoesNotExist:
            raise ValueError(f"{model.__name__} cannot be ordered by {lookup!r}") from None
        nullable = nullable or field.null
        if field.is_relation and index < len(parts) - 1:
            current = field.related_model
    path = f"{prefix}{lookup}"
    if field.is_relation:
        related = field.related_model
        # "project" orders by the project's own ordering; "project_id" by the column.
        if related._meta.ordering and parts[-1] == field.name:
            # As order_by("project") does: the project's own ordering, each term flipped
            # when this one is descending.
            for term in related._meta.ordering:
                yield from _expand(
                    queryset,
                    related,
                    term.lstrip("-"),
                    descending != term.startswith("-"),
                    prefix=f"{path}__",
                    nullable=nullable,
                )
            return
        path = f"{prefix}{'__'.join(parts[:-1] + [field.attname])}"
    local = not prefix and len(parts) == 1 and field.concrete
    yield SortKey(path, descending, nullable, field.attname if local else None)


def key_alias(index: int) -> str:
    return f"_sort_key_{index}"


def ordered(queryset, keys: list[SortKey]):
    """The queryset in the keys' order, with the values a cursor needs on each row."""
    annotations = {key_alias(i): F(k.lookup) for i, k in enumerate(keys) if k.attribute is None}
    if annotations:
        queryset = queryset.annotate(**annotations)
    return queryset.order_by(*(key.ordering for key in keys))


def key_values(row, keys: list[SortKey]) -> list:
    return [
        getattr(row, key.attribute if key.attribute else key_alias(index))
        for index, key in enumerate(keys)
    ]


def after(keys: list[SortKey], values: list) -> Q:
    """Rows strictly after the row with these sort values, in the keys' order.

    ``(a, b, pk) > (x, y, z)`` written out as ``a > x OR (a = x AND (b > y OR …))``
    so each column may sort its own way, plus a bound on the first column
    (``a >= x``) that lets the index start at the row instead of filtering
    everything before it.
    """
    clauses = []
    equal = Q()
    for key, value in zip(keys, values, strict=True):
        beyond = _beyond(key, value)
        if beyond is not None:
            clauses.append(equal & beyond)
        equal &= Q(**{f"{key.lookup}__isnull": True}) if value is None else Q(**{key.lookup: value})
    if not clauses:
        return Q(pk__in=[])
    condition = reduce(or_, clauses)
    first, value = keys[0], values[0]
    if value is not None and (first.descending or not first.nullable):
        bound = "lte" if first.descending else "gte"
        condition &= Q(**{f"{first.lookup}__{bound}": value})
    return condition


def _beyond(key: SortKey, value):
    """Rows whose value of this key comes after ``value`` (None: none can)."""
    if key.descending:  # NULLs first: every value comes after a NULL
        if value is None:
            return Q(**{f"{key.lookup}__isnull": False}) if key.nullable else None
        return Q(**{f"{key.lookup}__lt": value})
    if value is None:  # NULLs last: nothing comes after a NULL
        return None
    greater = Q(**{f"{key.lookup}__gt": value})
    return greater | Q(**{f"{key.lookup}__isnull": True}) if key.nullable else greater


# -- cursors ------------------------------------------------------------------


def encode_cursor(context: str, direction: str, values: list | None = None) -> str:
    """A signed cursor for the list ``context`` (model and sort) names."""
    payload = {"c": context, "d": direction, "v": [_plain(v) for v in values or ()]}
    return sign_token(json.dumps(payload, separators=(",", ":")), salt=_SALT)


def decode_cursor(token: str, context: str, size: int) -> tuple[str, list]:
    """``(direction, values)``; BadRequest (400) for anything we did not hand out here."""
    try:
        payload = json.loads(unsign_token(token, salt=_SALT))
        direction, values = payload["d"], payload["v"]
        if payload["c"] != context or direction not in (AFTER, BEFORE, LAST):
            raise BadToken(token)
        if direction != LAST and len(values) != size:
            raise BadToken(token)
    except (BadToken, ValueError, KeyError, TypeError):
        raise BadRequest("This list cursor is not valid: follow the page links.") from None
    return direction, values


def _plain(value):
    """A sort value as JSON; the ORM turns the text back into a date, Decimal… by the field."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()  # keeps microseconds, which ties between rows depend on
    if isinstance(value, Decimal | UUID):
        return str(value)
    return value


# -- pages --------------------------------------------------------------------


@dataclass
class KeysetPage:
    object_list: list
    queryset: object  # the whole filtered, ordered list
    has_next: bool
    has_previous: bool
    next_cursor: str | None
    previous_cursor: str | None
    last_cursor: str | None
    # Whether this is the first page (no cursor): the numbered "1–25" applies.
    is_first: bool

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)


def keyset_page(
    queryset,
    keys: list[SortKey],
    per_page: int,
    cursor: str | None,
    context: str,
    *,
    ids_first: bool = False,
):
    """One page of ``queryset`` (unordered) in the keys' order, from ``cursor``.

    ``ids_first``: the page's ids are picked by a subquery of their own, then its
    rows read by id (``page_rows``). For a list whose order's index includes the
    column the rows are tested on (``reads_ids_first``).
    """

    def take(queryset, limit):
        return list(page_rows(queryset, limit, ids_first=ids_first))

    direction, values = (None, None)
    if cursor:
        direction, values = decode_cursor(cursor, context, len(keys))
    forward = ordered(queryset, keys)
    backward = ordered(queryset, [key.reversed() for key in keys])
    if direction == AFTER:
        rows = take(forward.filter(after(keys, values)), per_page + 1)
        has_next, has_previous = len(rows) > per_page, True
        rows = rows[:per_page]
    elif direction in (BEFORE, LAST):
        reversed_keys = [key.reversed() for key in keys]
        if direction == BEFORE:
            backward = backward.filter(after(reversed_keys, values))
        rows = take(backward, per_page + 1)
        has_previous, has_next = len(rows) > per_page, direction == BEFORE
        rows = rows[:per_page][::-1]
        if direction == BEFORE and not has_previous:
            direction = None  # back at the start: the first page, full, as its link shows it
    if direction is None:
        rows = take(forward, per_page + 1)
        has_next, has_previous = len(rows) > per_page, False
        rows = rows[:per_page]
    return KeysetPage(
        object_list=rows,
        queryset=forward,
        has_next=has_next,
        has_previous=has_previous,
        next_cursor=encode_cursor(context, AFTER, key_values(rows[-1], keys)) if has_next else None,
        previous_cursor=encode_cursor(context, BEFORE, key_values(rows[0], keys))
        if has_previous and rows
        else None,
        last_cursor=encode_cursor(context, LAST) if has_next else None,
        is_first=direction is None,
    )


def reads_ids_first(queryset, keys: list[SortKey]) -> bool:
    """Whether the first rows of ``queryset`` in the order of ``keys`` are best found ids
    first (``page_rows``): for rows tested on their pairings (a coordinator's scope, a
    ``?pairing=`` filter), where the model has an index of that order including the
    pairing (``order_index_holding_pairing``)."""
    return (
        scoping.tests_pairings(queryset)
        and order_index_holding_pairing(queryset.model, keys) is not None
    )


def order_index_holding_pairing(model, keys: list[SortKey]):
    """The model's index on exactly ``keys`` (an order, the id breaking ties) that includes
    the pairing, else None: its walk tests each entry's pairing without reading the row."""
    order = [f"{'-' if key.descending else ''}{'id' if key.lookup == 'pk' else key.lookup}"
             for key in keys]  # fmt: skip
    for index in model._meta.indexes:
        if list(index.fields) == order and "pairing" in index.include:
            return index
    return None


def page_rows(queryset, limit: int, *, ids_first: bool = False):
    """The first ``limit`` rows of ``queryset`` (ordered), unevaluated; with ``ids_first``,
    their ids picked first, by a subquery that reads the order's index alone.

    A coordinator's page walks the list's order index and tests each entry's
    pairing. In one query that test reads each entry's row from the table: a
    province coordinator's first page of projects visited 12,700 rows to keep
    25 (6 ms planned and run). Picking the ids first, the walk is an index-only
    scan of an index that includes the pairing, and the page reads only its
    own rows, by primary key, with their joins (2.7 ms). Not for the whole
    programme's list: its walk keeps every entry, and a second read only adds
    work.
    """
    if ids_first:
        # An array of the ids, read by the primary key: as ``IN (SELECT …)``, the
        # planner multiplied the ids' share by the scope's and scanned the scope's
        # rows to find them. No LIMIT outside: with one, it may walk the order's
        # index again, testing each entry against the ids.
        ids = ArraySubquery(queryset.values("pk")[:limit])
        return queryset.filter(lookups.AnyOf(F("pk"), ids))
    return queryset[:limit]


def capped_count(queryset, cap: int | None = None) -> tuple[int, bool]:
    """``(count, over)``: the number of rows, counting no further than ``cap`` + 1.

    ``SELECT COUNT(*) FROM (SELECT id … LIMIT cap + 1)``: the cost of reading
    ``cap`` ids however long the list, where ``COUNT(*)`` reads every row.
    The queryset's order is kept: one that leads the planner to an index
    (core.scoping.scope_ordered) reads just the ``cap`` entries.
    """
    cap = COUNT_CAP if cap is None else cap
    count = queryset.values("pk")[: cap + 1].count()
    return min(count, cap), count > cap
