"""``field__any_id=ids``: a set of ids as one array parameter, ``field = ANY(%s::bigint[])``.

A scope's ids (438 pairings and 2,069 organisations for a province
coordinator at national scale) went into every list query through ``__in``:
one placeholder per id. That cost each query ~17 ms of Django compiling
2,069 parameters, ~5 ms of psycopg2 quoting them and ~10 ms of PostgreSQL
parsing and planning as many constants, so a coordinator paid some 30 ms per
query that the leader (no scope) did not: most of the gap between a
coordinator's list and the leader's. As one array literal the ids cost
well under 1 ms each way, and the planner sees the same constant array
(``IN (…)`` becomes ``= ANY('{…}')`` too), so it estimates and plans the same.

An empty set is no query at all, as with ``__in=[]``.

A scope goes into every query of a request, so its ids are written out once
(``IdArray``; ``ScopeIds`` does it for a scope's pairing and organisation
ids): sorting and writing 2,069 ids again for each query, and Django's check
of each element of an iterable filter value, cost a province coordinator
about 0.4 ms a query.
"""

from django.core.exceptions import EmptyResultSet
from django.db.models import BooleanField, Field, ForeignObject, Func, Lookup
from django.db.models.sql.where import AND

EMPTY = "{}"  # the text of an empty array: no id, no row


class AnyId(Lookup):
    lookup_name = "any_id"
    prepare_rhs = False

    def get_prep_lookup(self):
        written = getattr(self.rhs, "array_literal", None)
        if isinstance(written, str):
            return written
        # Ids of rows (int): a scope is a set of ids. A query would be run here, in
        # Python, to be written out: that is ``__in``'s job (a subquery).
        if hasattr(self.rhs, "query") or hasattr(self.rhs, "resolve_expression"):
            raise TypeError("__any_id takes ids; pass a query to __in")
        # Written out once here, not at every compile of the query.
        return array_literal(sorted({int(value) for value in self.rhs}))

    def as_sql(self, compiler, connection):
        if self.rhs == EMPTY:
            raise EmptyResultSet
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s::bigint[])", (*lhs_params, self.rhs)


# Relations take only the lookups registered on them (ForeignObject.get_class_lookups).
Field.register_lookup(AnyId)
ForeignObject.register_lookup(AnyId)


def array_literal(ids) -> str:
    """``{1,2,3}``: PostgreSQL's text form of an array of whole numbers."""
    return "{" + ",".join(str(int(value)) for value in ids) + "}"


def literal_ids(literal: str) -> frozenset[int]:
    """The ids of an ``array_literal``."""
    return frozenset(int(value) for value in literal[1:-1].split(",") if value)


def filter_any_id(queryset, lookup: str, ids):
    """``queryset.filter(<lookup>__any_id=ids)``, as one test where the column is tested already.

    A list filtered by pairing tests the column its scope tests (a province
    coordinator's fund transactions of ``?pairing=<their province>``).
    PostgreSQL multiplies the shares of two tests of one column, expected a
    twentieth of the rows and chose a plan for that: the page's count took
    10 ms against 1.3 ms for the leader. So when the queryset already keeps
    the rows whose column is in a set of ids, the two sets become their
    intersection, tested once: the same rows, and the estimate of one test.
    """
    filtered = queryset.filter(**{f"{lookup}__any_id": ids})
    where = filtered.query.where  # the clone's own: changing it changes no other queryset
    tests = list(required_any_id_tests(where))
    if not tests or tests[-1][1] is not where.children[-1]:
        return filtered
    *earlier_tests, (last, added) = tests
    for index, earlier in earlier_tests:
        if earlier.lhs == added.lhs:
            both = literal_ids(earlier.rhs) & literal_ids(added.rhs)
            where.children[index] = AnyId(earlier.lhs, IdArray(both))
            del where.children[last]
            break
    return filtered


class AnyOf(Func):
    """``<column> = ANY(<array>)``, the array an ``ArraySubquery``.

    An array of ids, not ``IN (SELECT …)``: for that the planner takes a
    semi-join, whose rows it estimates as the product of every test's share,
    and may merge it along the list's index or scan the scope's rows to find
    the few the ids name. ``= ANY`` of the array is an index condition.
    """

    output_field = BooleanField()

    def as_sql(self, compiler, connection, **extra_context):
        column, column_params = compiler.compile(self.source_expressions[0])
        array, array_params = compiler.compile(self.source_expressions[1])
        return f"{column} = ANY({array})", (*column_params, *array_params)


def required_any_id_tests(where):
    """``(index, test)`` for each ``__any_id`` test of a query's ``where`` that every row
    must pass: those of its top-level AND, each of which may be rewritten alone."""
    if where.connector != AND or where.negated:
        return
    for index, test in enumerate(where.children):
        if isinstance(test, AnyId):
            yield index, test


class IdArray:
    """Ids written out once as an array literal, for ``__any_id``.

    Not iterable on purpose: Django walks an iterable filter value to check
    each element (a model instance of the wrong model); these are ids.
    """

    __slots__ = ("array_literal",)

    def __init__(self, ids):
        self.array_literal = array_literal(sorted({int(value) for value in ids}))

    @classmethod
    def of(cls, ids) -> "IdArray":
        return ids if isinstance(ids, cls) else cls(ids)

    @classmethod
    def written(cls, literal: str) -> "IdArray":
        """Ids written out already: an ``__any_id`` test's array literal, to test another
        column against the same ids."""
        ids = cls.__new__(cls)
        ids.array_literal = literal
        return ids

    def ids(self) -> frozenset[int]:
        return literal_ids(self.array_literal)

    def __bool__(self) -> bool:
        return self.array_literal != EMPTY
