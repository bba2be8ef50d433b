"""Reads over pairings that are more than a filter."""

from dataclasses import dataclass, field

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
