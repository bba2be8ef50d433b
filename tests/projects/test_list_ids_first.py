"""A page of projects tested on their pairings picks its ids first (core.paging.page_rows,
ids_first): the same rows in the same order, forward and back, as the one-query read; the
whole programme's list is read as before, in as many queries; and every table
that reads so has an index of its order holding the pairing, so the ids need
no row."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aidtrack.core import paging, scoping
from aidtrack.core.references import SUGGESTION_LIMIT
from aidtrack.core.testing import COORDINATOR, LEADER
from aidtrack.core.views import declared_pages
from projects.models import Project
from projects.tables import ProjectTable
from tests.accounts.test_users_and_login import signed_in
from tests.core.test_list_paging import _walk
from tests.projects.conftest import make_project

PROJECTS = "/projects/projects/"


@pytest.fixture
def projects(world):
    """Projects of both sides, interleaved in the list's order (year, then code), with
    ties on the year so the code and the id decide; more than a page on each side."""
    made = []
    for index in range(45):
        made.append(make_project(world, index % 3 != 0, index=index, year=2021 + index % 4))
    return made


@pytest.mark.parametrize("role", [COORDINATOR, LEADER])
def test_ids_first_reads_the_same_pages_as_one_query(world, projects, role):
    table = ProjectTable(Project)
    queryset = table.page_source(
        table.prepare(Project.objects.for_user(world.user(role), scoping.VIEW)), ""
    )
    keys, _sort = table.sort_keys(queryset, None)
    expected = list(paging.ordered(queryset, keys).values_list("pk", flat=True))
    assert len(expected) == (30 if role == COORDINATOR else 45)
    forward, backward = _walk(queryset, keys, 4, "test", ids_first=True)
    assert (forward, backward) == _walk(queryset, keys, 4, "test", ids_first=False)
    assert forward == expected
    # Back from the last page to the first (full, as its own link shows it).
    assert backward[0] == expected[-4:] and backward[-1] == expected[:4]
    assert set().union(*backward) == set(expected)


def test_the_page_picks_ids_first_only_for_rows_tested_on_pairings(world):
    table = ProjectTable(Project)
    mine = Project.objects.for_user(world.user(COORDINATOR), scoping.VIEW)
    everything = Project.objects.for_user(world.user(LEADER), scoping.VIEW)

    def reads_ids_first(queryset, sort):
        return table.reads_ids_first(queryset, *table.sort_keys(queryset, sort))

    assert reads_ids_first(mine, "")
    assert not reads_ids_first(everything, "")
    # A pairing filter tests the rows the same way; another sort has its own order.
    one_pairing = everything.filter(pairing__any_id=[world.in_scope_pairing.pk])
    assert reads_ids_first(one_pairing, "")
    assert not reads_ids_first(mine, "name")


def _row_query(captured) -> str:
    return next(
        query["sql"]
        for query in captured
        if query["sql"].startswith('SELECT "projects_project"."id"') and "LIMIT" in query["sql"]
    )


def test_a_coordinators_page_picks_its_ids_in_a_subquery_of_their_own(world, projects):
    browser = signed_in(world, COORDINATOR)
    browser.get(PROJECTS)  # once-per-session writes
    with CaptureQueriesContext(connection) as captured:
        page = browser.get(PROJECTS)
    mine = Project.objects.filter(pairing=world.in_scope_pairing)
    assert [obj.pk for obj, _cells in page.context["rows"]] == list(
        mine.order_by("-year", "code", "id").values_list("pk", flat=True)[:25]
    )
    sql = _row_query(captured)
    # The ids in a subquery of their own, with the page's limit; no limit outside it.
    assert '"projects_project"."id" = ANY(ARRAY(SELECT ' in sql
    assert re.search(r"LIMIT 26\)\)\) ORDER BY [^()]*$", sql)
    leader = signed_in(world, LEADER)
    leader.get(PROJECTS)
    with CaptureQueriesContext(connection) as whole:
        leader.get(PROJECTS)
    assert "ARRAY(SELECT " not in _row_query(whole)  # the programme's list: one read
    assert len(whole) == len(captured)


def test_an_empty_suggestion_picks_a_coordinators_first_projects_ids_first(world, projects):
    """The type-ahead box just focused: the first projects in the list's order, found as a
    list's first page finds them; the programme's (the leader's) in one plain read."""
    url = reverse("reference_suggest", args=["projects.project"])
    for role, expect_ids_first in ((COORDINATOR, True), (LEADER, False)):
        browser = signed_in(world, role)
        browser.get(url)  # once-per-session writes
        with CaptureQueriesContext(connection) as captured:
            response = browser.get(url)
        readable = Project.objects.for_user(world.user(role), scoping.VIEW)
        first = readable.order_by("-year", "code", "id")[:SUGGESTION_LIMIT]
        assert readable.count() > SUGGESTION_LIMIT
        assert re.findall(r'data-value="(\d+)"', response.content.decode()) == [
            str(project.pk) for project in first
        ]
        assert ("ARRAY(SELECT " in _row_query(captured)) is expect_ids_first


# The lists whose order index holds the pairing (the migrations that added it).
READING_IDS_FIRST = [
    "cadres:deployment_list",
    "funds:donation_list",
    "funds:fundtransaction_list",
    "projects:progressupdate_list",
    "projects:project_list",
    "projects:projectattachment_list",
]


def test_exactly_the_lists_whose_order_index_holds_the_pairing_read_ids_first(db):
    reading = set()
    for views in declared_pages():
        if views.model is None or views.table_class is None:
            continue
        table = views.table_class(views.model)
        keys, _sort = table.sort_keys(views.model.objects.all(), None)
        index = paging.order_index_holding_pairing(views.model, keys)
        if index is None:
            continue
        reading.add(views.list_url())
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [index.name])
            (definition,) = cursor.fetchone()
        assert definition.endswith("INCLUDE (pairing_id)")  # migrated as declared
    assert sorted(reading) == READING_IDS_FIRST
