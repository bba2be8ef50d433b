"""The change feed's rules (core.feed) checked against the whole demo.

* Scope keys: the SQL the triggers use says "in scope" for exactly the rows
  ``for_user`` returns, for every scoped resource and every pairing subtree.
* Derived fields: every rule derived from the serializers touches the rows
  that show the source row, and puts them in the feed.
"""

import pytest
from django.db import connection

from aidtrack.core import feed, scoping
from aidtrack.core.models import FeedEntry
from pairings.models import Pairing

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("demo")]

SCOPED = sorted(
    (name, model)
    for name, model in feed.synced_resources().items()
    if scoping.is_pairing_scoped(model)
)


class SubtreeScope:
    """Stands in for a user scoped to one pairing and everything below it."""

    is_authenticated = is_active = True

    def __init__(self, pairing_ids):
        self.ids = frozenset(pairing_ids)

    def may(self, action, model, roles=None):
        return True

    def pairing_ids_in_scope(self, action=scoping.VIEW):
        return self.ids


def subtrees():
    pairings = {p.pk: p.parent_id for p in Pairing.objects.all()}

    def below(root):
        ids = {root}
        for pk, parent in pairings.items():
            if parent == root:
                ids |= below(pk)
        return ids

    return [below(pk) for pk in sorted(pairings)]


@pytest.mark.parametrize(("resource", "model"), SCOPED, ids=[name for name, _m in SCOPED])
def test_scope_keys_agree_with_for_user(demo_loaded, resource, model):
    table = model._meta.db_table
    keys = feed.keys_sql(model, "row")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT row.id, {keys} FROM {table} AS row")  # noqa: S608
        keys_by_id = dict(cursor.fetchall())
    if not keys_by_id:
        pytest.skip(f"the demo has no {resource}")
    for subtree in subtrees():
        by_sql = {pk for pk, ids in keys_by_id.items() if ids and not subtree.isdisjoint(ids)}
        by_scope = set(model.objects.for_user(SubtreeScope(subtree)).values_list("pk", flat=True))
        assert by_sql == by_scope, (resource, sorted(subtree))


RULES = [
    (source, touch)
    for source, rules in feed.touches().items()
    for touch in rules
    if not touch.scope_child or touch.watch or touch.any_change
]


def _change_sql(source, touch) -> str:
    """An UPDATE of one source row that changes what the target shows."""
    if touch.any_change or not touch.watch:
        return "updated_at = clock_timestamp()"
    text = [
        f.column
        for f in source._meta.concrete_fields
        if f.column in touch.watch and f.get_internal_type() in ("CharField", "TextField")
    ]
    if text:
        return f"{text[0]} = {text[0]} || '·'"
    column = sorted(touch.watch - {"id"})[0]
    return f"{column} = {column} + 1"


@pytest.mark.parametrize(
    ("source", "touch"),
    RULES,
    ids=[f"{s.__name__}->{t.target.__name__}.{t.match[0][1]}" for s, t in RULES],
)
def test_a_change_of_the_source_touches_what_shows_it(demo_loaded, source, touch):
    (source_column, target_column), *more = touch.match
    target_table, source_table = touch.target._meta.db_table, source._meta.db_table
    join = " AND ".join(
        f"t.{target_col} = s.{source_col}" for source_col, target_col in touch.match
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT s.id, t.id, t.updated_at FROM {source_table} s JOIN {target_table} t"  # noqa: S608
            f" ON {join} LIMIT 1"
        )
        row = cursor.fetchone()
        if row is None:
            pytest.skip(f"the demo has no {source.__name__} shown by a {touch.target.__name__}")
        source_id, target_id, stamp = row
        last = FeedEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
        cursor.execute(
            f"UPDATE {source_table} SET {_change_sql(source, touch)} WHERE id = %s",  # noqa: S608
            [source_id],
        )
        cursor.execute(f"SELECT updated_at FROM {target_table} WHERE id = %s", [target_id])  # noqa: S608
        assert cursor.fetchone()[0] > stamp
    resource = feed.resource_of(touch.target)
    assert FeedEntry.objects.filter(
        id__gt=last, resource=resource, object_id=target_id, action="update"
    ).exists()


def test_touches_do_not_loop():
    """A rule that fires on any change must not lead back to its own source."""
    graph = {
        source: {t.target for t in rules if t.any_change}
        for source, rules in feed.touches().items()
    }

    def reaches(start, node, seen):
        for nxt in graph.get(node, ()):
            if nxt is start or (nxt not in seen and reaches(start, nxt, seen | {nxt})):
                return True
        return False

    assert not [source for source in graph if reaches(source, source, {source})]
