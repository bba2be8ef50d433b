"""The one place that decides which rows a user may see or change.

Each model says how it reaches its pairing with ``scope_path``:

* ``"pairing"`` (or ``"project__pairing"`` …): a lookup from the model to a
  pairing; the row is in scope when that pairing is.
* ``""``: the model *is* the pairing.
* ``None``: reference data shared by everyone (regions, indicators): any
  signed-in role may read it, only administrators change it.

A model whose scope is not a lookup path (organisations lie *in* the
regions of a pairing) defines ``scope_q(pairing_ids)`` returning a ``Q``;
where that ``Q`` tests one column of the row, ``scope_column`` names it, so
pages can read the scope through that column's index.

Who may write a model at all is data too: ``write_roles`` (see ADMINISTRATORS).

A role that reads nothing by pairing (a deployed person's own account) may
still read what is theirs as a person: a model that has such rows defines
``own_q(user)`` returning a ``Q`` (their own check-ins, the people of the
team they lead). Only for reading; what they may do with those rows is the
services' question. The model's pages and API stay closed to the role
(``user.may``); pages made for it (the phone check-in page) use ``for_user``.

The user supplies the answers that depend on accounts: whether the role
may perform the action on the model at all (``user.may``) and which pairings
the user's scope covers for the action (``user.pairing_ids_in_scope``,
``None`` meaning unrestricted; ``user.forget_scope()`` drops the cached
answer). Core never imports accounts; it relies on that interface.
"""

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import BooleanField, F, Func, Q

from aidtrack.core import lookups  # registers ``__any_id``, which the scope uses

VIEW, ADD, CHANGE, DELETE = "view", "add", "change", "delete"
ACTIONS = (VIEW, ADD, CHANGE, DELETE)

# ``write_roles`` of a model only administrators write (rubrics, official
# grades, over-allocations): no role besides them. A model without
# ``write_roles`` is written by the coordinators and partner systems of its
# scope if it is pairing-scoped, by administrators only if not (regions,
# indicators). ``user.may`` reads it; pages, the API, buttons, the menu and
# the generated access tests follow.
ADMINISTRATORS = frozenset()


def is_pairing_scoped(model) -> bool:
    return getattr(model, "scope_path", None) is not None or hasattr(model, "scope_q")


def writes_nowhere(user, model, action: str) -> bool:
    """Whether ``user`` has no pairing at all to perform the write ``action`` in on ``model``.

    Then every row is out of reach, so the API refuses the whole action (403)
    instead of failing row by row (400 for a create, 404 for an update).
    Reading is not a write: leaders and partners without a scope read everything.
    """
    if action == VIEW or not is_pairing_scoped(model):
        return False
    return user.pairing_ids_in_scope(action) == frozenset()


def restrict(queryset, user, action: str, within=None):
    """The rows of ``queryset`` that ``user`` may perform ``action`` on.

    ``within``: pairing ids the rows must also belong to (a pairing and those
    below it). The scope and those ids become one set, tested once on the
    scope's column: as two tests of the same column, PostgreSQL multiplied
    their shares, expected a twentieth of a province's rows and planned for
    that (the hub's projects tab: 27 ms for its figures, 10 ms with one test).
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    model = queryset.model
    within = None if within is None else frozenset(within)
    if within is not None and not is_pairing_scoped(model):
        raise TypeError(f"{model.__name__} does not belong to pairings")
    if user is None or not user.is_authenticated or not user.is_active:
        return queryset.none()
    if not user.may(action, model):
        if action == VIEW and hasattr(model, "own_q"):
            own = queryset.filter(model.own_q(user))
            return own if within is None else own.filter(pairings_q(model, within))
        return queryset.none()
    if not is_pairing_scoped(model):
        return queryset
    pairing_ids = user.pairing_ids_in_scope(action)
    if within is not None:
        pairing_ids = within if pairing_ids is None else pairing_ids & within
    if pairing_ids is None:
        return queryset
    return queryset.filter(pairings_q(model, pairing_ids))


def pairings_q(model, pairing_ids) -> Q:
    """The rows of ``model`` that belong to the pairings ``pairing_ids``, as its scope says."""
    if hasattr(model, "scope_q"):
        return model.scope_q(pairing_ids)
    scope_path = model.scope_path
    # One array parameter however many pairings (aidtrack.core.lookups).
    lookup = f"{scope_path}__any_id" if scope_path else "pk__any_id"
    return Q(**{lookup: pairing_ids})


def is_in_scope(obj, user, action: str) -> bool:
    """Whether the saved row ``obj`` is inside ``user``'s scope for ``action``.

    The cached scope is dropped first: the write may itself have added a
    pairing below one of the user's (a new county pairing under their city).
    """
    user.forget_scope()
    manager = type(obj)._default_manager
    return manager.for_user(user, action).filter(pk=obj.pk).exists()


def scope_id_bound(queryset, user, action: str, *, upper: bool):
    """``queryset`` kept to ids up to the scope's last row (``upper``) or from its first.

    Paging by id fetches one row more than the page to know whether another
    follows. A scope's rows are often one id range that ends long before the
    table does (load_scale writes a pairing's rows together; an ended
    pairing's rows stop), so the last page walked the primary key from the
    scope's last row to the end of the table: 2.3M fund transactions for a
    province coordinator, 90x the first page. The scope's edge is the
    min/max over its pairings, each one probe of the model's
    ``(pairing, id)`` index (438 pairings: 2-3 ms), computed inside the
    page's query. The same for an outcome report's ``scope_pairing``; models
    without such an index, those scoped by organisation, and users without a
    scope are left as they are.
    """
    model = queryset.model
    column = _scoped_column(model, user, action)
    if column is None or not _holds_pairings(model, column):
        return queryset
    pairing_ids = user.pairing_ids_in_scope(action)
    return queryset.filter(_IdWithinScope(model, column, pairing_ids, upper=upper))


def scope_ordered(queryset, user, action: str = VIEW):
    """``queryset`` ordered by the column its scope filters on, where an index leads with it.

    For a count that stops at a cap (core.paging.capped_count). A coordinator's
    rows are a few percent of a national table: unordered, the planner
    expects them spread evenly and scans the table until it has counted the
    cap (200,000 check-ins read for a city coordinator's 10,001, 3.5× the
    leader's page); ordered by the scope's column, it reads the cap's entries
    from the ``(column, id)`` index. Users without a scope are left as they are.
    """
    column = _scoped_column(queryset.model, user, action)
    if column is None:
        return queryset
    # The column itself: ordering by the foreign key would join and sort by its model's order.
    return queryset.order_by(queryset.model._meta.get_field(column).attname)


def parents_in_pairings(queryset, field: str):
    """``queryset`` with its pairing test (the scope and a ``?pairing=`` filter, one test:
    lookups.filter_any_id) made a test of its parent ``field`` (a foreign key): the rows
    whose parent lies in those pairings.

    For a list whose order leads with a parent of few rows per pairing: a
    team's members, newest team first from the ``(-team, …)`` index. A
    province coordinator's teams are a fifth of all; where they are the
    oldest (load_scale makes them first), the page walked every other team's
    members before reaching theirs: 80,000 index entries, 10 ms against the
    leader's 0.4. Through their teams' ids (a few hundred, from the team
    table's pairing index) it reads those teams' members in order: ~1 ms.

    The same rows: the row's pairing is a copy of its parent's, kept by the
    database (core.copies). Replaced, not added: with both tests PostgreSQL
    multiplies their shares, expects a few dozen rows and sorts them all (a
    city's 2,500 members for each page). Only for the page's rows: the count
    and totals keep the row's own test, which reads the ``(pairing, id)``
    index. Unchanged without a pairing test (the leader's whole list).
    """
    found = _pairing_test(queryset)
    if found is None:
        return queryset
    index, test = found
    parent = queryset.model._meta.get_field(field).related_model
    ids = lookups.IdArray.written(test.rhs)
    parent_ids = parent._base_manager.filter(pairing__any_id=ids).order_by().values("pk")
    rows = queryset.filter(lookups.AnyOf(F(field), ArraySubquery(parent_ids)))
    del rows.query.where.children[index]  # the clone's own tests
    return rows


def tests_pairings(queryset) -> bool:
    """Whether every row of ``queryset`` must lie in given pairings: a scope narrower than
    the whole programme, or a ``?pairing=`` filter (one test: lookups.filter_any_id)."""
    return _pairing_test(queryset) is not None


def _pairing_test(queryset):
    """``(index, test)``: the ``__any_id`` test of the row's own pairing that every row of
    ``queryset`` must pass, at ``index`` of its top-level AND; None without one."""
    model = queryset.model
    if getattr(model, "scope_path", None) != "pairing":
        return None
    pairing = model._meta.get_field("pairing")
    for index, test in lookups.required_any_id_tests(queryset.query.where):
        if test.lhs.target == pairing and test.lhs.alias == model._meta.db_table:
            return index, test
    return None


def _scoped_column(model, user, action: str) -> str | None:
    """The column ``user``'s scope filters ``model`` on, when the user has a scope and
    the model an index on ``(column, id)``; else None.

    The column is the model's ``scope_path`` when that is one of its own fields
    (``"pairing"``), or the one a ``scope_q`` tests, which such a model names in
    ``scope_column`` (a person's home organisation copied onto the row, an
    outcome report's ``scope_pairing``).
    """
    if not user.may(action, model) or not user.pairing_ids_in_scope(action):
        return None
    column = getattr(model, "scope_column", None) or getattr(model, "scope_path", None)
    indexed = any(list(index.fields[:2]) == [column, "id"] for index in model._meta.indexes)
    return column if indexed else None


def _holds_pairings(model, column: str) -> bool:
    """Whether ``column`` is a foreign key to the pairing (whose ``scope_path`` is "")."""
    return getattr(model._meta.get_field(column).related_model, "scope_path", None) == ""


class _IdWithinScope(Func):
    """``ROW(id, 0) <= ROW((SELECT max(id) of the scope), 0)`` (``>=`` and min if not upper).

    A row comparison, not ``id <= (…)``: the planner takes ``id > position
    AND id <= <a subquery>`` for a range it knows nothing of (0.5 % of the
    table) and then reads the scope's rows through the (pairing, id) index and
    sorts them, hundreds of thousands on a middle page. It does not pair a row
    comparison with the position, so it keeps walking the primary key, now
    stopped at the scope's edge (the comparison is an index condition on id).
    """

    output_field = BooleanField()

    def __init__(self, model, column: str, pairing_ids, *, upper: bool):
        super().__init__(F("pk"))
        self.model = model
        self.column = column
        self.ids = lookups.array_literal(sorted(pairing_ids))
        self.upper = upper

    def as_sql(self, compiler, connection, **extra_context):
        column, params = compiler.compile(self.source_expressions[0])
        quote = connection.ops.quote_name
        table = quote(self.model._meta.db_table)
        pairing = quote(self.model._meta.get_field(self.column).column)
        pk = quote(self.model._meta.pk.column)
        edge, direction, compare = ("max", "DESC", "<=") if self.upper else ("min", "ASC", ">=")
        # Names from model metadata; the ids are a parameter.
        sql = (
            f"ROW({column}, 0) {compare} ROW((SELECT {edge}(edge.id)"  # noqa: S608
            f" FROM unnest(%s::bigint[]) AS scope(id), LATERAL (SELECT x.{pk} AS id"
            f" FROM {table} AS x WHERE x.{pairing} = scope.id"
            f" ORDER BY x.{pk} {direction} LIMIT 1) AS edge), 0)"
        )
        return sql, (*params, self.ids)
