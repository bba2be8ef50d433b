"""A list page reads its pairings' names in a query of their own (core.tables.names_read_apart):
the row query joins no side of a pairing, the page still shows every name, sorts by them,
and runs no query per row."""

import re

import pytest
from django.db import connection
from django.db.models import Prefetch
from django.test.utils import CaptureQueriesContext

from aidtrack.core.tables import names_read_apart
from aidtrack.core.testing import ADMIN, COORDINATOR
from pairings.models import Pairing
from projects.models import Project
from tests.accounts.test_users_and_login import signed_in
from tests.funds.conftest import allocate
from tests.projects.conftest import make_project

pytestmark = pytest.mark.django_db

NAME_TABLES = ('"pairings_organization"', '"pairings_region"')


def page_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), [query["sql"] for query in queries.captured_queries]


def rows_query(queries, table):
    """The page's row query: the one selecting from ``table`` with an ORDER BY and a LIMIT."""
    [query] = [
        sql
        for sql in queries
        if re.search(rf'FROM "{table}"', sql) and "ORDER BY" in sql and "LIMIT" in sql
    ]
    return query


def test_a_page_of_projects_joins_no_side_of_their_pairings(world):
    make_project(world, index=1)
    make_project(world, in_scope=False, index=2)
    body, queries = page_queries(signed_in(world, ADMIN), "/projects/projects/")

    row_query = rows_query(queries, "projects_project")
    assert '"pairings_pairing"' not in row_query and '"pairings_organization"' not in row_query
    # One query reads the page's pairings with both sides.
    [names] = [sql for sql in queries if sql.startswith('SELECT "pairings_pairing"."id"')]
    assert all(table in names for table in NAME_TABLES)
    assert "中山港街道 → 水城区" in body and "天河区 → 七星关区" in body


def test_the_query_count_does_not_grow_with_the_pairings_on_the_page(world):
    client = signed_in(world, ADMIN)
    make_project(world, index=1)
    client.get("/projects/projects/")  # a first visit writes the session's language once
    _body, few = page_queries(client, "/projects/projects/")
    for index, pairing in enumerate(Pairing.objects.all(), start=10):
        make_project(world, index=index, pairing=pairing)
    body, many = page_queries(client, "/projects/projects/")
    assert len(many) == len(few), "\n".join(q[:150] for q in many)
    assert "中山市 → 六盘水市" in body and "广东省 → 贵州省" in body


def test_the_pairing_list_reads_its_parents_apart_and_keeps_its_own_sides(world):
    body, queries = page_queries(signed_in(world, ADMIN), "/pairings/pairings/")
    row_query = rows_query(queries, "pairings_pairing")
    # Its own sides are columns of its rows (and its order); its parent is read apart.
    assert '"pairings_region"' in row_query
    assert row_query.count('"pairings_pairing"') == row_query.count('"pairings_pairing".') + 1
    assert "中山市 → 六盘水市" in body  # the parent of 中山港街道 → 水城区
    assert "广东省 → 贵州省" in body


def test_sorting_by_a_pairing_still_orders_by_its_sides(world):
    for pairing in (world.pairings["th-xqg"], world.pairings["zsg-sc"], world.pairings["gd-gz"]):
        allocate(pairing, 2023, 100)
    body, _queries = page_queries(signed_in(world, ADMIN), "/funds/allocations/?sort=pairing")
    # helping codes 440000, 440106, 442000003
    by_code = ("广东省 → 贵州省", "天河区 → 七星关区", "中山港街道 → 水城区")
    shown = [body.index(name) for name in by_code]
    assert shown == sorted(shown)
    body, _queries = page_queries(signed_in(world, ADMIN), "/funds/allocations/?sort=-pairing")
    shown = [body.index(name) for name in by_code]
    assert shown == sorted(shown, reverse=True)


def test_a_coordinator_sees_the_names_of_the_rows_in_scope_only(world):
    make_project(world, index=1)
    make_project(world, in_scope=False, index=2)
    body, _queries = page_queries(signed_in(world, COORDINATOR), "/projects/projects/")
    assert "中山港街道 → 水城区" in body and "七星关区" not in body


def test_only_a_branch_of_exactly_the_name_records_is_read_apart(world):
    names = Pairing.name_related("pairing")
    apart = names_read_apart(Project.objects.select_related("region", *names))
    assert apart.query.select_related == {"region": {}}
    [prefetch] = apart._prefetch_related_lookups
    assert isinstance(prefetch, Prefetch) and prefetch.prefetch_to == "pairing"

    # A branch reading more of the pairing than its name stays joined, whole.
    more = Project.objects.select_related(*names, "pairing__parent")
    assert names_read_apart(more).query.select_related == more.query.select_related
    assert not names_read_apart(more)._prefetch_related_lookups
    # No select_related at all: nothing to do.
    plain = Project.objects.all()
    assert names_read_apart(plain) is plain


def test_rows_read_apart_name_their_pairing_without_a_query(world):
    for index in range(3):
        make_project(world, index=index)
    rows = names_read_apart(
        Project.objects.select_related(*Pairing.name_related("pairing")).order_by("id")
    )
    with CaptureQueriesContext(connection) as queries:
        shown = [str(project.pairing) for project in rows]
    assert len(queries.captured_queries) == 2  # the rows, their pairings with both sides
    assert shown == ["中山港街道 → 水城区"] * 3


def test_a_detail_page_reads_its_pairing_apart_too(world):
    project = make_project(world, index=1)
    body, queries = page_queries(signed_in(world, ADMIN), f"/projects/projects/{project.pk}/")
    record = next(sql for sql in queries if sql.startswith('SELECT "projects_project"."id"'))
    assert f'"projects_project"."id" = {project.pk}' in record
    assert '"pairings_pairing"' not in record
    assert "中山港街道 → 水城区" in body
