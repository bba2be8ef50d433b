"""Reads over pairings that are more than a filter."""

import functools
from dataclasses import dataclass, field

from django.db.models.expressions import RawSQL

from aidtrack.core.subqueries import count_per_row
from pairings.models import Pairing


@dataclass
class TreeNode:
    pairing: Pairing
    children: list["TreeNode"] = field(default_factory=list)


def pairing_tree(pairings) -> list[TreeNode]:
    """Arrange ``pairings`` (already scoped and filtered) as a forest, in their order.

    A pairing whose parent is not among them becomes a root, so a coordinator
    scoped to a city pairing sees that city pairing at the top.
    """
    nodes = {pairing.pk: TreeNode(pairing) for pairing in pairings}
    roots = []
    for node in nodes.values():
        parent = nodes.get(node.pairing.parent_id)
        (parent.children if parent is not None else roots).append(node)
    return roots


def chain_ids(pairing_id: int) -> RawSQL:
    """The ids of ``pairing_id`` and every pairing above it, as a subquery for ``__in``:
    one recursive statement inside the query that uses it, not a query per level.
    Ids only: the query it goes into reads them through the user's scope, or not at all."""
    table = Pairing._meta.db_table
    return RawSQL(  # noqa: S611 - our table name; the id is a parameter
        f"""
        WITH RECURSIVE up(id, parent_id) AS (
            SELECT id, parent_id FROM {table} WHERE id = %s
            UNION
            SELECT p.id, p.parent_id FROM {table} AS p JOIN up ON p.id = up.parent_id
        )
        SELECT id FROM up
        """,  # noqa: S608 - the table name comes from model metadata
        [pairing_id],
    )


@functools.cache
def children_count():
    """How many pairings lie right below a pairing, an expression to annotate pairings with;
    built once (``annotate`` resolves a copy).

    Not read through the user's scope, and it need not be: a scope is whole subtrees
    (``User.pairing_ids_in_scope``), so the pairings right below one in scope are in
    scope with it. With the scope in it, a province coordinator's overview planned the
    scope's 438 ids once more (about 0.7 ms) and built the subquery on every request.
    """
    return count_per_row(Pairing.objects.all(), "parent")
