"""Organisations in a user's scope, loaded with the user as the pairing ids are.

An organisation is in the scope of a set of pairings when its region lies in
a side region of one of them (``Region.path`` holds the region and every
region above it) or when it is one of their side organisations. People, and
the records that reach people (check-ins, care records, mentorships, awards),
are in scope through their home organisation.

As a subquery of each list, that rule cost a coordinator 3–5× the leader's
time at national scale: the planner cannot know how many organisations the
subquery returns (it guessed 75% where 29% are), so it hash-joined every
person instead of walking the list's order index. Loaded once with the user
(``User.with_scope``, token authentication) in the query that already
brings the pairing ids, the ids go into the list's query as literals: the
planner sees the real selectivity, and the page runs no extra query. They go
in as one array parameter (``__any_id``, aidtrack.core.lookups), not one
placeholder per id, which cost each query tens of milliseconds to compile,
quote and plan.

``ScopeIds`` carries them: it is the frozenset of pairing ids that
``user.pairing_ids_in_scope`` has always returned, with the organisation ids
of the same scope attached. Any other set of pairing ids (a recomputed
scope, a test's own ids) has none, and ``Organization.in_scope_q`` falls
back to the subquery; both come from the one SQL text below.

Computing them still cost a province coordinator ~15 ms on every request
(the pairing tree, then every organisation's region tested). So a user's
scope is kept in the cache between requests, under the **scope mark**:
the database's ``ScopeGeneration`` row (``epoch:generation``), which
triggers move whenever anything a scope covers changes. The query that
loads the user reads the mark; only when the mark is not the cached one
does a second query compute the ids (``accounts.models.scope_columns``), so
a request never uses a scope older than the data it reads. Reading the mark
alone matters: the ids' SQL in the same query, even in a branch not taken,
cost every request about 2 ms of planning.
"""

import functools
import logging
from dataclasses import dataclass

from django.apps import apps
from django.core.cache import cache
from django.db import connections

from aidtrack.core.lookups import IdArray, array_literal

logger = logging.getLogger(__name__)

# How long a cached scope is kept without being asked for.
SCOPE_CACHE_SECONDS = 600
# The mark is the sum over a few rows ("slots"): a writer moves whichever slot
# no other open transaction holds (SKIP LOCKED), so writers never wait for each
# other — a long import adding organisations blocks nobody — and every commit
# that moved a scope raises the sum, even one that commits after a later one.
SLOTS = 64
MARK_SQL = "(SELECT min(epoch::text) || ':' || sum(generation) FROM core_scopegeneration)"
# A slot takes a value from a sequence, never reused and not rolled back: a scope
# cached inside a transaction that rolled back is never taken for a later state.
_MOVE_FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION aidtrack_scope_move() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    slot bigint;
BEGIN
    SELECT id INTO slot FROM core_scopegeneration ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED;
    UPDATE core_scopegeneration SET generation = nextval('core_scope_generation_seq')
    WHERE id = coalesce(slot, 1);
END;
$$;
CREATE OR REPLACE FUNCTION aidtrack_scope_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM aidtrack_scope_move();
    RETURN NULL;
END;
$$;
"""
# What a scope covers: table → the columns whose change moves it (rows added or
# removed always do).
_SCOPE_COLUMNS = {
    "accounts_user_scope_pairings": ("user_id", "pairing_id"),
    "pairings_pairing": (
        "parent_id",
        "helping_region_id",
        "helped_region_id",
        "helping_organization_id",
        "helped_organization_id",
    ),
    "pairings_organization": ("region_id",),
    "pairings_region": ("path",),
}


class ScopeIds(frozenset):
    """Pairing ids in scope; ``organizations`` the organisations they cover, if loaded.

    Each set is written out as an array literal once for all the request's
    queries (aidtrack.core.lookups): ``array_literal`` for the pairings,
    ``organizations`` (an ``IdArray``, kept so in the cache) for the organisations.
    """

    organizations: IdArray | None = None

    @classmethod
    def loaded(cls, pairing_ids, organization_ids) -> "ScopeIds":
        scope = cls(pairing_ids)
        if organization_ids is not None:
            scope.organizations = IdArray.of(organization_ids)
        return scope

    @functools.cached_property
    def array_literal(self) -> str:
        return array_literal(sorted(self))


def organizations_sql(pairings_sql: str) -> str:
    """The ids of the organisations in scope of the pairings ``pairings_sql`` selects.

    ``pairings_sql`` is a SELECT of pairing ids (or ``SELECT unnest(%s::bigint[])``),
    used twice. Only the outermost side regions are tested (a side inside
    another side adds nothing): ``path && ARRAY[…]`` compares every element
    with every element, so 2 outermost regions instead of ~150 for a
    province pairing make the test of each organisation's region cheap.
    """
    region = apps.get_model("pairings", "Region")._meta.db_table
    organization = apps.get_model("pairings", "Organization")._meta.db_table
    pairing = apps.get_model("pairings", "Pairing")._meta.db_table
    return f"""
        WITH sides AS MATERIALIZED (
            SELECT side_region.id, side_region.path FROM {region} AS side_region
            WHERE side_region.id IN (
                SELECT unnest(ARRAY[side.helping_region_id, side.helped_region_id])
                FROM {pairing} AS side WHERE side.id IN ({pairings_sql})
            )
        )
        SELECT organization.id
        FROM {organization} AS organization
        JOIN {region} AS organization_region ON organization_region.id = organization.region_id
        WHERE organization_region.path && ARRAY(
            SELECT inner_side.id FROM sides AS inner_side WHERE NOT EXISTS (
                SELECT 1 FROM sides AS outer_side
                WHERE outer_side.id <> inner_side.id AND outer_side.id = ANY(inner_side.path)
            )
        )
        OR organization.id IN (
            SELECT unnest(ARRAY[side.helping_organization_id, side.helped_organization_id])
            FROM {pairing} AS side WHERE side.id IN ({pairings_sql})
        )
    """  # noqa: S608 - table names from model metadata; ids are parameters or a subquery


@dataclass(frozen=True)
class CachedScope:
    """A user's scope as read at ``mark``."""

    mark: str
    pairing_ids: tuple[int, ...]
    organization_ids: IdArray | None


def _key(holder: str) -> str:
    return f"scope:{holder}"


def cached_scope(holder: str) -> CachedScope | None:
    """The scope last read for ``holder`` ("user:5", "token:<digest>"), if any.

    A cache that fails answers nothing: the scope is then read from the
    database, as without a cache, and the request goes on.
    """
    try:
        return cache.get(_key(holder))
    except Exception:  # noqa: BLE001 - whatever the cache raises, the request goes on
        logger.warning("scope read from the database: the cache failed", exc_info=True)
        return None


def remember_scope(holder: str, mark: str, pairing_ids, organization_ids) -> None:
    organizations = None if organization_ids is None else IdArray.of(organization_ids)
    try:
        cache.set(
            _key(holder),
            CachedScope(mark, tuple(pairing_ids), organizations),
            SCOPE_CACHE_SECONDS,
        )
    except Exception:  # noqa: BLE001 - a scope not kept is read again next time
        logger.warning("scope not cached: the cache failed", exc_info=True)


def install_scope_triggers(using: str = "default", **_kwargs) -> None:
    """The mark's row and the triggers that move it; runs after every ``migrate``."""
    with connections[using].cursor() as cursor:
        cursor.execute("CREATE SEQUENCE IF NOT EXISTS core_scope_generation_seq")
        cursor.execute(
            "INSERT INTO core_scopegeneration (id, generation, epoch)"
            " SELECT slot, 0, coalesce((SELECT min(epoch::text) FROM core_scopegeneration)::uuid,"
            " epoch) FROM generate_series(1, %s) AS slot, (SELECT gen_random_uuid() AS epoch) AS e"
            " ON CONFLICT DO NOTHING",
            [SLOTS],
        )
        cursor.execute(_MOVE_FUNCTION_SQL)
        for table, columns in _SCOPE_COLUMNS.items():
            old = ", ".join(f"OLD.{column}" for column in columns)
            new = ", ".join(f"NEW.{column}" for column in columns)
            cursor.execute(
                f"CREATE OR REPLACE TRIGGER aidtrack_scope_rows AFTER INSERT OR DELETE OR TRUNCATE"
                f" ON {table} FOR EACH STATEMENT EXECUTE FUNCTION aidtrack_scope_moved()"
            )
            cursor.execute(
                f"CREATE OR REPLACE TRIGGER aidtrack_scope_columns"
                f" AFTER UPDATE OF {', '.join(columns)} ON {table} FOR EACH ROW"
                f" WHEN (ROW({old}) IS DISTINCT FROM ROW({new}))"
                f" EXECUTE FUNCTION aidtrack_scope_moved()"
            )


def scope_moved(using: str = "default") -> None:
    """Move the mark by hand, after writes made with the triggers off (a bulk load)."""
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT aidtrack_scope_move()")
