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
planner sees the real selectivity, and the page runs no extra query.

``ScopeIds`` carries them: it is the frozenset of pairing ids that
``user.pairing_ids_in_scope`` has always returned, with the organisation ids
of the same scope attached. Any other set of pairing ids (a recomputed
scope, a test's own ids) has none, and ``Organization.ids_in_scope`` falls
back to the subquery; both come from the one SQL text below.
"""

from django.apps import apps


class ScopeIds(frozenset):
    """Pairing ids in scope; ``organization_ids`` the organisations they cover, if loaded."""

    organization_ids: frozenset[int] | None = None

    @classmethod
    def loaded(cls, pairing_ids, organization_ids) -> "ScopeIds":
        scope = cls(pairing_ids)
        if organization_ids is not None:
            scope.organization_ids = frozenset(organization_ids)
        return scope


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
