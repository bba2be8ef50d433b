"""List pages by cursor (core.paging): every sort pages forward, back and from the
end without losing or repeating a row; cursors are signed; counts and totals stop
at the cap; exports keep their content and totals."""

import csv
import io
import re
from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import unquote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from aidtrack.core import paging
from aidtrack.core.signed import sign_token
from aidtrack.core.testing import ADMIN, COORDINATOR
from cadres.models import Deployment
from cadres.tables import DeploymentTable
from tests.cadres.test_deployments import make_deployment
from tests.funds.conftest import allocate

DEPLOYMENTS = "/cadres/deployments/"
ALLOCATIONS = "/funds/allocations/"


@pytest.fixture
def deployments(world):
    """Thirteen deployments with ties (three share a start date and a post) and NULLs
    (no actual end for most), so every sort has ties to break and NULLs to place."""
    rows = []
    for index in range(13):
        ended = date(2023, 1, 1) + timedelta(days=index % 4) if index % 3 == 0 else None
        rows.append(
            make_deployment(
                world,
                index=index,
                start_date=date(2021, 7, 1) + timedelta(days=index % 5),
                planned_end_date=date(2023, 6, 30) + timedelta(days=index % 2),
                actual_end_date=ended,
                post="副局长" if index % 4 else f"挂职{index}",
                direction="east_to_west" if index % 2 else "west_to_east",
            )
        )
    return rows


def _sorts():
    sortable = DeploymentTable(Deployment).sortable()
    return ["", *sortable, *(f"-{name}" for name in sortable)]


def _walk(queryset, keys, per_page, context, **options):
    """Every page from the first by "next", then every page from the last by "previous"
    (``options``: keyset_page's, such as ``ids_first``)."""
    forward, cursor = [], None
    while True:
        page = paging.keyset_page(queryset, keys, per_page, cursor, context, **options)
        forward.extend(row.pk for row in page.object_list)
        if not page.has_next:
            break
        cursor = page.next_cursor
    first = paging.keyset_page(queryset, keys, per_page, None, context, **options)
    backward, cursor = [], first.last_cursor
    while cursor:
        page = paging.keyset_page(queryset, keys, per_page, cursor, context, **options)
        backward.append([row.pk for row in page.object_list])
        cursor = page.previous_cursor
    return forward, backward


@pytest.mark.parametrize("sort", _sorts())
def test_every_sort_pages_through_every_row_once(world, deployments, sort):
    table = DeploymentTable(Deployment)
    queryset = table.prepare(Deployment.objects.all())
    keys, _sort = table.sort_keys(queryset, sort)
    expected = list(queryset.order_by(*(key.ordering for key in keys)).values_list("pk", flat=True))
    assert len(expected) == 13
    forward, backward = _walk(queryset, keys, 4, f"test:{sort}")
    assert forward == expected
    # Back from the last page: each page a run of the same order, down to the first
    # page (full, as its own link shows it), every row on the way.
    assert backward[0] == expected[-4:] and backward[-1] == expected[:4]
    for pks in backward:
        start = expected.index(pks[0])
        assert pks == expected[start : start + len(pks)]
    assert set().union(*backward) == set(expected)


def test_ties_and_nulls_are_ordered_as_the_database_orders_them(world, deployments):
    """actual_end_date is NULL on most rows: last ascending, first descending."""
    table = DeploymentTable(Deployment)
    queryset = Deployment.objects.all()
    for sort in ("actual_end_date", "-actual_end_date"):
        keys, _ = table.sort_keys(queryset, sort)
        assert keys[0].nullable and keys[-1].lookup == "pk"
        forward, _backward = _walk(queryset, keys, 3, sort)
        ends = [Deployment.objects.get(pk=pk).actual_end_date for pk in forward]
        nulls = [end is None for end in ends]
        assert nulls == sorted(nulls, reverse=sort.startswith("-"))


def test_relations_in_an_ordering_expand_to_their_own_order(world):
    from cadres.models import TeamMember

    keys = paging.sort_keys(TeamMember.objects.all(), ["team", "subgroup"])
    # Team's Meta.ordering is (-start_date, name, id): as order_by("team") sorts.
    assert [(key.lookup, key.descending) for key in keys] == [
        ("team__start_date", True),
        ("team__name", False),
        ("team__id", False),
        ("subgroup", False),
        ("pk", False),
    ]


def test_a_relation_named_by_its_column_orders_by_the_column(world):
    """``team_id`` is the column itself: an index on the table serves the order."""
    from cadres.models import TeamMember

    keys = paging.sort_keys(TeamMember.objects.all(), ["-team_id", "subgroup"])
    assert [(key.lookup, key.descending) for key in keys] == [
        ("team_id", True),
        ("subgroup", False),
        ("pk", False),
    ]
    sql = str(paging.ordered(TeamMember.objects.all(), keys).query)
    assert " JOIN " not in sql  # no join to sort by


@pytest.fixture
def admin_browser(world, client):
    client.force_login(world.user(ADMIN))
    return client


def _link(response, rel):
    match = re.search(rf'rel="{rel}" href="\?([^"]+)"', response.content.decode())
    return match and DEPLOYMENTS + "?" + match.group(1).replace("&amp;", "&")


def test_page_links_carry_rel_and_follow_to_the_end(world, deployments, admin_browser):
    for index in range(13, 40):
        make_deployment(world, index=index)
    first = admin_browser.get(DEPLOYMENTS, {"sort": "-start_date"})
    assert _link(first, "next") and _link(first, "last")
    assert not _link(first, "prev") and not _link(first, "first")
    second = admin_browser.get(_link(first, "next"))
    assert second.status_code == 200
    assert _link(second, "prev") and _link(second, "first")
    seen = [obj.pk for obj, _cells in first.context["rows"]]
    seen += [obj.pk for obj, _cells in second.context["rows"]]
    assert len(seen) == len(set(seen)) == 40
    last = admin_browser.get(_link(first, "last"))
    assert [obj.pk for obj, _cells in last.context["rows"]] == seen[-25:]
    assert not _link(last, "next")
    back = admin_browser.get(_link(second, "prev"))
    assert [obj.pk for obj, _ in back.context["rows"]] == seen[:25]


def test_a_deep_page_runs_the_queries_of_the_first(world, deployments, admin_browser):
    for index in range(13, 40):
        make_deployment(world, index=index)
    admin_browser.get(DEPLOYMENTS)  # warm-up: once-per-session writes
    with CaptureQueriesContext(connection) as first:
        page = admin_browser.get(DEPLOYMENTS)
    with CaptureQueriesContext(connection) as deep:
        assert admin_browser.get(_link(page, "next")).status_code == 200
    assert len(deep) == len(first)


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "ZXlK",  # base64 of nothing signed
        sign_token('{"c":"cadres.deployment:","d":"a","v":[1]}', salt="aidtrack.api.cursor"),
    ],
    ids=["garbage", "unsigned", "another-kind-of-token"],
)
def test_a_forged_cursor_is_a_400(world, deployments, admin_browser, cursor):
    assert admin_browser.get(DEPLOYMENTS, {"cursor": cursor}).status_code == 400


def test_a_cursor_of_another_sort_or_list_is_a_400(world, deployments, admin_browser):
    for index in range(13, 30):
        make_deployment(world, index=index)
    first = admin_browser.get(DEPLOYMENTS, {"sort": "post"})
    cursor = unquote(re.search(r"cursor=([^&\"]+)", _link(first, "next")).group(1))
    assert admin_browser.get(DEPLOYMENTS, {"sort": "post", "cursor": cursor}).status_code == 200
    assert admin_browser.get(DEPLOYMENTS, {"sort": "kind", "cursor": cursor}).status_code == 400
    assert admin_browser.get("/cadres/people/", {"cursor": cursor}).status_code == 400


def test_the_count_stops_at_the_cap(world, deployments, admin_browser, monkeypatch):
    for index in range(13, 30):
        make_deployment(world, index=index)
    monkeypatch.setattr(paging, "COUNT_CAP", 26)
    over = admin_browser.get(DEPLOYMENTS)
    assert over.context["count"] == 26 and over.context["count_capped"]
    assert "26+" in over.content.decode()
    # A list that fits on its page is counted from the page (no count query).
    under = admin_browser.get(DEPLOYMENTS, {"direction": "west_to_east"})
    assert under.context["count"] == 7 and not under.context["count_capped"]
    assert paging.capped_count(Deployment.objects.all(), cap=30) == (30, False)
    assert paging.capped_count(Deployment.objects.all(), cap=29) == (29, True)


class TestTotalsAtTheCap:
    @pytest.fixture
    def browser(self, world, client):
        client.force_login(world.user(COORDINATOR))
        for index in range(30):  # more than a page
            allocate(world.in_scope_pairing, 2023, f"{1000 + index}.00")
        return client

    def test_totals_shown_within_the_cap(self, browser):
        response = browser.get(ALLOCATIONS)
        totals = {column.accessor: value for column, value in response.context["totals"]}
        assert totals["amount"] == sum(Decimal(1000 + index) for index in range(30))
        assert not response.context["totals_withheld"]

    def test_totals_withheld_past_the_cap_but_exported(self, browser, monkeypatch):
        monkeypatch.setattr(paging, "COUNT_CAP", 26)
        response = browser.get(ALLOCATIONS)
        assert response.context["totals"] is None and response.context["totals_withheld"]
        assert "filter the list further" in response.content.decode() or (
            "筛选" in response.content.decode()
        )
        export = browser.get(ALLOCATIONS, {"export": "csv"})
        rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
        assert len(rows) == 1 + 30 + 1
        assert f"{sum(1000 + index for index in range(30))}.00" in rows[-1]


def test_export_of_a_filtered_list_has_its_rows_and_labels(world, deployments, admin_browser):
    response = admin_browser.get(DEPLOYMENTS, {"export": "csv", "direction": "west_to_east"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    body = rows[1:]
    assert len(body) == 7
    field = Deployment._meta.get_field("direction")
    with translation.override("zh-hans"):  # exports speak the interface language
        direction = rows[0].index(str(field.verbose_name))
        label = str(dict(field.flatchoices)["west_to_east"])
    assert label != "west_to_east"
    assert {row[direction] for row in body} == {label}


def test_a_coordinators_count_reads_the_scope_index_unless_a_filter_narrows_it(
    world, client, monkeypatch
):
    """Unfiltered, a scoped user's count is ordered by the scope's column (core.scoping.
    scope_ordered: the planner reads the (pairing, id) index up to the cap). With a filter
    (a pairing tree on the same column) it is left unordered: PostgreSQL would multiply the
    two conditions' shares and sort every row. Both count the same rows."""
    from tests.factories import ProjectFactory

    ProjectFactory.create_batch(30, pairing=world.in_scope_pairing)
    ProjectFactory.create_batch(3, pairing=world.out_of_scope_pairing)
    monkeypatch.setattr(paging, "COUNT_CAP", 100)
    client.force_login(world.user(COORDINATOR))

    def count_query(params):
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/projects/projects/", params)
        counts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT COUNT")]
        return response.context["count"], counts[-1]

    count, sql = count_query({})
    assert count == 30 and 'ORDER BY "projects_project"."pairing_id"' in sql
    count, sql = count_query({"pairing": world.in_scope_pairing.pk})
    assert count == 30 and "ORDER BY" not in sql
