"""The change feed partners sync from: every create, update and delete, in commit order.

Like the change history (core.audit), the feed is written by PostgreSQL
triggers, so every write path is in it: forms, the API, the admin, services,
bulk updates and raw SQL. One trigger per table of an API resource inserts a
``FeedEntry`` with

* the transaction id (``pg_current_xact_id()``). Entries are read in
  (transaction id, entry id) order, and only below the *horizon*: the oldest
  transaction of this database still running (core.feed.horizon). A
  transaction that commits late has an id above every horizon handed out
  while it ran, so it is never skipped; nothing below the horizon can still
  appear. Wall-clock time plays no part;
* the pairings whose scope held the row before and after the change
  (``scope_before``/``scope_after``, NULL for reference data). A reader sees
  an entry if either side meets their scope, and an entry that leaves their
  scope reads as a deletion, one that enters it as a creation.

What a resource shows besides its own columns changes with its sources: a
nested list (an agreement's targets), a nested or dotted reference (a
pairing's organisation detail, a transaction's pairing through its project),
or a figure declared in the serializer's ``Meta.derived_from``. The trigger
of the source table *touches* the rows that show it (``updated_at`` moves),
which puts them in the feed as well: ``updated_at`` is the representation's
version. When a row's scope moves (a project to another pairing), the rows
whose scope goes through it are touched with the old scope handed down, so
a coordinator's mirror also loses the project's transactions.

The rules are derived from the API serializers when the triggers are
installed (after every ``migrate``), so a new nesting is covered without
writing SQL for it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache

from django.db import connections
from rest_framework import serializers

from aidtrack.core.api_defaults import has_updated_at
from aidtrack.core.audit import RECORDED_ONLY


@dataclass(frozen=True)
class Derived:
    """Fields of ``target`` that show rows of ``source``: ``match`` pairs source → target columns.

    ``watch``: the source columns that matter (empty: any change, a touch included).
    """

    source: type
    target: type
    match: tuple[tuple[str, str], ...]
    watch: tuple[str, ...] = ()


@dataclass
class Touch:
    """One UPDATE a source table's trigger runs on a target table."""

    target: type
    match: tuple[tuple[str, str], ...]
    watch: set[str] = field(default_factory=set)
    any_change: bool = False
    scope_child: bool = False  # the target's scope goes through the source row


# -- which tables, and their scope keys ---------------------------------------------


@cache
def synced_resources() -> dict[str, type]:
    """API resource name → model, for every resource of /api/v1/."""
    from aidtrack.api_router import router

    resources = {}
    for prefix, viewset, _basename in router.registry:
        model = getattr(getattr(viewset, "queryset", None), "model", None)
        # Records with a version (updated_at); users (accounts) have none and are pulled whole.
        if model is not None and has_updated_at(model):
            resources.setdefault(prefix, model)
    return resources


def resource_of(model) -> str | None:
    for name, synced in synced_resources().items():
        if synced is model:
            return name
    return None


def _column(model, name: str) -> str:
    return model._meta.get_field(name).column


def scope_parent(model):
    """(foreign key, parent model) whose scope is this model's scope, or None."""
    via = getattr(model, "scope_keys_via", None)
    path = getattr(model, "scope_path", None)
    if via is None and path and "__" in path:
        via = path.split("__", 1)[0]
    if via is None:
        return None
    foreign_key = model._meta.get_field(via)
    return foreign_key, foreign_key.related_model


def scope_parents(model):
    """Every (foreign key, parent) whose scope moves move this model's scope.

    The scope parent, and for a model whose keys are declared in SQL the
    foreign keys it names in ``scope_follows`` (a report on a project).
    """
    parent = scope_parent(model)
    parents = [parent] if parent else []
    for name in getattr(model, "scope_follows", ()):
        foreign_key = model._meta.get_field(name)
        parents.append((foreign_key, foreign_key.related_model))
    return parents


def keys_sql(model, row: str) -> str:
    """SQL: the pairing ids whose scope holds ``row`` (a record of ``model``), or NULL."""
    table = model._meta.db_table
    declared = getattr(model, "scope_keys_sql", None)
    if declared is not None:
        return "(" + declared.format(row=row) + ")"
    parent = scope_parent(model)
    if parent is not None:
        foreign_key, parent_model = parent
        alias = f"{table}_{foreign_key.column}"[-60:]
        inner = keys_sql(parent_model, alias)
        return (
            f"(SELECT {inner} FROM {parent_model._meta.db_table} AS {alias} "
            f"WHERE {alias}.id = {row}.{foreign_key.column})"
        )
    path = getattr(model, "scope_path", None)
    if path is None:
        return "NULL::bigint[]"
    if path == "":
        return f"ARRAY[{row}.id]"
    return f"ARRAY[{row}.{_column(model, path)}]"


# -- what else a change changes -----------------------------------------------------


def _serializer_rules(model, serializer_class) -> list[Derived]:
    """Nested and dotted fields of a resource's serializer, as Derived rules."""
    rules = list(getattr(getattr(serializer_class, "Meta", None), "derived_from", ()))
    for name, serializer_field in serializer_class().fields.items():
        source = serializer_field.source or name
        if isinstance(serializer_field, serializers.ListSerializer) and isinstance(
            serializer_field.child, serializers.ModelSerializer
        ):
            relation = model._meta.get_field(source)  # a reverse foreign key
            child = relation.related_model
            rules.append(Derived(child, model, ((relation.field.column, "id"),)))
        elif isinstance(serializer_field, serializers.ModelSerializer):
            foreign_key = model._meta.get_field(source)
            nested = serializer_field.Meta.model
            watched = tuple(
                _column(nested, (sub.source or sub_name).split(".")[0])
                for sub_name, sub in serializer_field.fields.items()
            )
            rules.append(Derived(nested, model, (("id", foreign_key.column),), watched))
        elif "." in source and not isinstance(serializer_field, serializers.ManyRelatedField):
            first, attribute = source.split(".", 1)
            foreign_key = model._meta.get_field(first)
            target = foreign_key.related_model
            column = attribute.split(".")[0]
            rules.append(
                Derived(target, model, (("id", foreign_key.column),), (_column(target, column),))
            )
    return rules


@cache
def touches() -> dict[type, list[Touch]]:
    """Source model → the UPDATEs its trigger runs (derived fields and scope children)."""
    from aidtrack.api_router import router

    plan: dict[type, dict[tuple, Touch]] = defaultdict(dict)

    def add(source, target, match, *, watch=(), scope_child=False):
        touch = plan[source].setdefault((target, match), Touch(target, match))
        if scope_child:
            touch.scope_child = True
        elif watch:
            touch.watch.update(watch)
        else:
            touch.any_change = True

    for _prefix, viewset, _basename in router.registry:
        model = getattr(getattr(viewset, "queryset", None), "model", None)
        serializer_class = getattr(viewset, "serializer_class", None)
        if model is None or serializer_class is None:
            continue
        for rule in _serializer_rules(model, serializer_class):
            if has_updated_at(rule.target):
                add(rule.source, rule.target, rule.match, watch=rule.watch)
    for model in synced_resources().values():
        for foreign_key, parent_model in scope_parents(model):
            add(parent_model, model, (("id", foreign_key.column),), scope_child=True)
    return {source: list(rules.values()) for source, rules in plan.items()}


# -- the triggers ---------------------------------------------------------------------

INHERITED = "aidtrack.scope_before"


def _touch_sql(source, touch: Touch) -> str:
    target_table = touch.target._meta.db_table
    updated = _column(touch.target, "updated_at")

    def update(row: str) -> str:
        where = " AND ".join(
            f"{target_col} = {row}.{source_col}" for source_col, target_col in touch.match
        )
        return f"UPDATE {target_table} SET {updated} = clock_timestamp() WHERE {where};"

    conditions = []
    if touch.any_change:
        conditions.append("TRUE")
    if touch.watch:
        columns = sorted(touch.watch)
        old = ", ".join(f"OLD.{c}" for c in columns)
        new = ", ".join(f"NEW.{c}" for c in columns)
        conditions.append(f"ROW({old}) IS DISTINCT FROM ROW({new})")
    if touch.scope_child:
        conditions.append("before_keys IS DISTINCT FROM after_keys")
    changed = " OR ".join(conditions)
    handed_down = ""
    restore = ""
    if touch.scope_child:
        # The rows below read their old scope from here: theirs is computed
        # through this row, which already holds the new one.
        handed_down = (
            f"saved := current_setting('{INHERITED}', true); PERFORM set_config('{INHERITED}', "
            f"'{target_table}:' || coalesce(before_keys::text, ''), true);"
        )
        restore = f"PERFORM set_config('{INHERITED}', coalesce(saved, ''), true);"
    matches_new = update("NEW")
    matches_old = update("OLD")
    same_match = " AND ".join(f"OLD.{s} IS NOT DISTINCT FROM NEW.{s}" for s, _t in touch.match)
    return f"""
    IF TG_OP = 'INSERT' THEN
        {matches_new if not touch.scope_child else ""}
    ELSIF TG_OP = 'DELETE' THEN
        {matches_old if not touch.scope_child else ""}
    ELSIF {changed} THEN
        {handed_down}
        {matches_new}
        IF NOT ({same_match}) THEN {matches_old} END IF;
        {restore}
    END IF;"""


def trigger_sql(model) -> str:
    table = model._meta.db_table
    resource = resource_of(model)
    record = ""
    if resource is not None:
        record = f"""
    IF TG_OP <> 'INSERT' THEN
        inherited := current_setting('{INHERITED}', true);
        IF TG_OP = 'UPDATE' AND inherited LIKE '{table}:%' THEN
            before_keys := nullif(substr(inherited, {len(table) + 2}), '')::bigint[];
        ELSE
            before_keys := {keys_sql(model, "OLD")};
        END IF;
    END IF;
    IF TG_OP <> 'DELETE' THEN after_keys := {keys_sql(model, "NEW")}; END IF;
    INSERT INTO core_feedentry (txid, time, resource, object_id, action, scope_before, scope_after)
    VALUES (
        pg_current_xact_id()::text::bigint,
        clock_timestamp(),
        '{resource}',
        CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END,
        CASE TG_OP WHEN 'INSERT' THEN 'create' WHEN 'UPDATE' THEN 'update' ELSE 'delete' END,
        before_keys,
        after_keys
    );"""
    body = record + "".join(_touch_sql(model, touch) for touch in touches().get(model, ()))
    return f"""
CREATE OR REPLACE FUNCTION aidtrack_feed_{table}() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    before_keys bigint[];
    after_keys bigint[];
    inherited text;
    saved text;
BEGIN{body}
    RETURN NULL;
END;
$$;
CREATE OR REPLACE TRIGGER aidtrack_feed AFTER INSERT OR UPDATE OR DELETE ON {table}
FOR EACH ROW {RECORDED_ONLY} EXECUTE FUNCTION aidtrack_feed_{table}();
"""


# The oldest transaction of this database still running, or the next one to
# start: every transaction below it has ended. Read in this order: the next
# id first, then the running ones (a transaction that takes an id in
# between is at or above the next id), the statistics snapshot cleared so
# they are current. Transactions of other databases on the same server do
# not hold the feed back.
HORIZON_SQL = """
CREATE OR REPLACE FUNCTION aidtrack_feed_horizon() RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    next_id bigint := pg_snapshot_xmax(pg_current_snapshot())::text::bigint;
    oldest bigint;
BEGIN
    PERFORM pg_stat_clear_snapshot();
    -- backend_xid has 32 bits: widened to the 64-bit id at or below next_id.
    SELECT min(next_id - (((next_id & 4294967295) - backend_xid::text::bigint
                           + 4294967296) % 4294967296))
      INTO oldest
      FROM pg_stat_activity
     WHERE datname = current_database() AND backend_xid IS NOT NULL;
    RETURN least(coalesce(oldest, next_id), next_id);
END;
$$;
"""

# Moving a pairing's sides changes which organisations and people it covers
# without writing them: scoped readers must pull again (core.feed_api).
SIDES_SQL = """
CREATE OR REPLACE FUNCTION aidtrack_feed_scope_moved() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE core_feedstate SET scope_version = scope_version + 1 WHERE id = 1;
    RETURN NULL;
END;
$$;
CREATE OR REPLACE TRIGGER aidtrack_feed_scope_moved
AFTER UPDATE OF helping_region_id, helped_region_id, helping_organization_id, helped_organization_id
ON pairings_pairing FOR EACH ROW
WHEN (ROW(OLD.helping_region_id, OLD.helped_region_id, OLD.helping_organization_id,
          OLD.helped_organization_id)
      IS DISTINCT FROM ROW(NEW.helping_region_id, NEW.helped_region_id,
                           NEW.helping_organization_id, NEW.helped_organization_id))
EXECUTE FUNCTION aidtrack_feed_scope_moved();
"""


def feed_models() -> list[type]:
    """Every table whose trigger records or touches something."""
    return list(dict.fromkeys([*synced_resources().values(), *touches()]))


def install_feed_triggers(using: str = "default", **_kwargs) -> None:
    """(Re)install the feed triggers; runs after every ``migrate`` (post_migrate)."""
    with connections[using].cursor() as cursor:
        cursor.execute(HORIZON_SQL)
        cursor.execute(
            "INSERT INTO core_feedstate (id, pruned_below, scope_version)"
            " VALUES (1, 0, 0) ON CONFLICT DO NOTHING"
        )
        cursor.execute(SIDES_SQL)
        for model in feed_models():
            cursor.execute(trigger_sql(model))


def horizon(using: str = "default") -> int:
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT aidtrack_feed_horizon()")
        return cursor.fetchone()[0]


# -- reading ------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Position:
    """A place in the feed: after every entry at or before (txid, entry id)."""

    txid: int
    entry_id: int


@dataclass(frozen=True)
class Change:
    resource: str
    id: int
    action: str  # "created", "updated" or "deleted", as the reader sees it
    time: object


@dataclass(frozen=True)
class Page:
    changes: list[Change]
    position: Position  # where the next page starts
    more: bool  # whether entries are waiting past ``position`` now


_READ_SQL = """
SELECT id, txid, resource, object_id, action, time, scope_before, scope_after
  FROM core_feedentry
 WHERE (txid, id) > (%s, %s) AND txid < %s AND resource = ANY(%s) {scope}
 ORDER BY txid, id
 LIMIT %s
"""
# A scoped reader sees what was in their scope before or after the change.
_SCOPE_SQL = (
    "AND (scope_before && %s::bigint[] OR scope_after && %s::bigint[]"
    " OR (scope_before IS NULL AND scope_after IS NULL))"
)

_ACTIONS = {"create": "created", "update": "updated", "delete": "deleted"}


def _as_seen(action: str, before, after, scope) -> str:
    """The entry's action for a reader of ``scope`` (None: everything)."""
    if scope is None or (before is None and after is None):
        return _ACTIONS[action]
    was_in = before is not None and not scope.isdisjoint(before)
    is_in = after is not None and not scope.isdisjoint(after)
    if action == "delete" or not is_in:
        return "deleted"
    if action == "create" or not was_in:
        return "created"
    return "updated"


def start(using: str = "default") -> Position:
    """Where a reader starts who has just pulled everything: nothing before it can change."""
    return Position(horizon(using), 0)


def read(after: Position, *, resources, scope, limit: int, using: str = "default") -> Page:
    """The next entries after ``after`` among ``resources``, as a reader of ``scope`` sees them.

    Several changes of one record on a page are one change (its last),
    still a creation when the page created it.
    """
    edge = horizon(using)
    sql = _READ_SQL.format(scope=_SCOPE_SQL if scope is not None else "")
    params = [after.txid, after.entry_id, edge, sorted(resources)]
    if scope is not None:
        ids = sorted(scope)
        params += [ids, ids]
    with connections[using].cursor() as cursor:
        cursor.execute(sql, [*params, limit + 1])
        rows = cursor.fetchall()
    more = len(rows) > limit
    rows = rows[:limit]
    latest: dict[tuple[str, int], Change] = {}
    for _id, _txid, resource, object_id, action, time, before, after_keys in rows:
        seen = _as_seen(action, before, after_keys, scope)
        key = (resource, object_id)
        earlier = latest.pop(key, None)
        if earlier is not None and earlier.action == "created" and seen != "deleted":
            seen = "created"
        latest[key] = Change(resource, object_id, seen, time)
    # A short page has read everything below the horizon, ours or not.
    position = Position(rows[-1][1], rows[-1][0]) if more else Position(edge, 0)
    return Page(list(latest.values()), position, more)


@dataclass(frozen=True)
class State:
    pruned_below: int  # entries of transactions below this were pruned
    scope_version: int  # raised when a pairing's sides change
    newest_pairing: int  # the largest pairing id: cursors fingerprint the scope up to it


def state(using: str = "default") -> State:
    """The feed's bookkeeping and the newest pairing, in one query."""
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(max(pruned_below), 0), coalesce(max(scope_version), 0),"
            " (SELECT coalesce(max(id), 0) FROM pairings_pairing)"
            " FROM core_feedstate WHERE id = 1"
        )
        return State(*cursor.fetchone())


def prune(older_than, *, batch: int = 50_000, using: str = "default") -> int:
    """Delete entries older than ``older_than``; cursors before them must then resync."""
    removed = 0
    with connections[using].cursor() as cursor:
        while True:
            cursor.execute(
                """
                WITH gone AS (
                    DELETE FROM core_feedentry WHERE id IN (
                        SELECT id FROM core_feedentry WHERE time < %s ORDER BY time LIMIT %s
                    )
                    RETURNING txid
                )
                UPDATE core_feedstate
                   SET pruned_below = greatest(pruned_below, (SELECT max(txid) + 1 FROM gone))
                 WHERE id = 1 AND EXISTS (SELECT 1 FROM gone)
                RETURNING (SELECT count(*) FROM gone)
                """,
                [older_than, batch],
            )
            row = cursor.fetchone()
            count = row[0] if row else 0
            removed += count
            if count < batch:
                return removed
