"""Figures of many groups of pairings at once: own aggregates rolled up over (group, pairing) pairs.

A group is a set of pairing ids under an integer key: for a summary, a pairing
and every pairing below it. The dashboard selectors of cadres, projects and
funds take ``Groups`` and years and answer for every group and year in one
statement per figure family:

1. the app's own query (the ORM, with the app's conditions: what "begun in a
   year" or "on post on a day" means is written once, there) aggregates the
   records per pairing, as a ``values()`` queryset with a ``pid`` column;
2. ``roll_up`` joins those rows to the (group, pairing) pairs and aggregates
   them again per group: a record counts once in every group that holds its
   pairing.

A distinct count (people, enterprises) is taken over the group's rows with
``COUNT(DISTINCT …)``, never added up over its pairings: one enterprise
investing in two counties of a city is one enterprise of the city.

The single-pairing selectors are the same functions with one group, so a
nightly refresh of every pairing and a hub tab of one pairing cannot disagree.
"""

from collections.abc import Iterable, Mapping, Sequence
from functools import reduce
from operator import or_

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Q, QuerySet


class Groups:
    """``{key: pairing ids}``; keys are ints (a pairing's id, or any other int)."""

    def __init__(self, members: Mapping[int, Iterable[int]]):
        self.members = {int(key): frozenset(ids) for key, ids in members.items()}

    @classmethod
    def one(cls, pairing_ids, key: int = 0) -> "Groups":
        """One group: the pairing ids a single-pairing selector is given (already expanded)."""
        return cls({key: pairing_ids})

    @classmethod
    def whole_and_each(cls, pairing_ids, key: int = 0) -> "Groups":
        """All of ``pairing_ids`` under ``key`` and each one alone under its own id: a
        tree's totals and its breakdown by pairing from one pass over the records."""
        pairing_ids = list(pairing_ids)
        return cls({key: pairing_ids, **{pk: [pk] for pk in pairing_ids}})

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[int, int]]) -> "Groups":
        members: dict[int, set[int]] = {}
        for key, pairing_id in pairs:
            members.setdefault(key, set()).add(pairing_id)
        return cls(members)

    def __iter__(self):
        """The keys."""
        return iter(self.members)

    @property
    def pairing_ids(self) -> list[int]:
        """Every pairing in some group (what the own queries filter on), sorted."""
        return sorted(set().union(*self.members.values())) if self.members else []

    def pairs(self) -> tuple[list[int], list[int]]:
        keys, ids = [], []
        for key, members in self.members.items():
            for pairing_id in members:
                keys.append(key)
                ids.append(pairing_id)
        return keys, ids

    def __bool__(self) -> bool:
        return any(self.members.values())


def roll_up(
    own: QuerySet, groups: Groups, *, by: Sequence[str] = (), totals: Mapping[str, str]
) -> list[dict]:
    """``SELECT group, <by>, <totals> FROM (own) JOIN pairs GROUP BY group, <by>``.

    ``own`` is a ``values()`` queryset with a ``pid`` column (the pairing the
    row counts for) and the columns ``by`` and ``totals`` use; ``totals`` maps
    a result name to an SQL aggregate over ``o.<column>`` (``SUM(o.total)``,
    ``COUNT(DISTINCT o.person)``). One statement; rows as dicts with ``group``.
    """
    if not groups:
        return []
    try:
        sql, params = own.order_by().query.sql_with_params()
    except EmptyResultSet:  # a filter that matches nothing (no years asked for)
        return []
    keys, ids = groups.pairs()
    columns = "".join(f", o.{column}" for column in by)
    aggregates = ", ".join(f"{expression} AS {name}" for name, expression in totals.items())
    statement = (
        f"SELECT g.grp{columns}, {aggregates} FROM ({sql}) AS o "  # noqa: S608 (our own SQL)
        "JOIN unnest(%s::int[], %s::int[]) AS g(grp, pid) ON g.pid = o.pid "
        f"GROUP BY g.grp{columns}"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [*params, keys, ids])
        names = ["group", *by, *totals]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def years_q(field: str, years: Iterable[int]):
    """``field`` (a date) falls in one of ``years``: one index-friendly range per year."""
    years = sorted(set(years))
    if not years:
        return Q(pk__in=[])
    return reduce(or_, (Q(**{f"{field}__year": year}) for year in years))
