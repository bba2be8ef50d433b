"""``?updated_since=`` on fund transactions reads few changed rows by their ids
(UpdatedSinceFilter, changes_spread_over_ids): the same rows, in the same id
order, in the user's scope, as the walk it replaces."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from aidtrack.core.api_defaults import UpdatedSinceFilter
from aidtrack.core.testing import COORDINATOR, LEADER
from funds.models import FundTransaction
from tests.funds.conftest import funded_project
from tests.funds.test_scope_id_bound import commitments, ids, walk

URL = "/api/v1/fund-transactions/"


@pytest.fixture
def changed(world):
    """Rows of both pairings; the old ones made long ago, a few of every age edited lately."""
    outside = funded_project(world, in_scope=False)
    inside = funded_project(world)
    rows = commitments(outside, 3) + commitments(inside, 4, start=5) + commitments(outside, 3, 9)
    long_ago = timezone.now() - timedelta(days=400)
    FundTransaction.objects.filter(pk__in=rows).update(updated_at=long_ago)
    edited = rows[::3]  # spread over every id, the first included
    FundTransaction.objects.filter(pk__in=edited).update(updated_at=timezone.now())
    since = (timezone.now() - timedelta(days=1)).isoformat()
    return {"since": since, "edited": edited, "inside": inside}


@pytest.mark.parametrize("role", [LEADER, COORDINATOR])
def test_by_ids_or_by_the_walk_the_pages_are_the_same(world, changed, api_as, role, monkeypatch):
    params = {"updated_since": changed["since"], "page_size": 1}
    by_ids, back = walk(api_as(role), URL, params)
    monkeypatch.setattr(UpdatedSinceFilter, "few_changes", 0)  # every request walks
    walked, walked_back = walk(api_as(role), URL, params)
    assert ids(by_ids) == ids(walked)
    assert ids(reversed(back)) == ids(reversed(walked_back)) == ids(by_ids)
    expected = changed["edited"]
    if role == COORDINATOR:
        mine = set(FundTransaction.objects.filter(project=changed["inside"]).values_list("pk"))
        expected = [pk for pk in expected if (pk,) in mine]
        assert expected  # the scope holds some of the edited rows, and only those are listed
    assert ids(by_ids) == sorted(expected)


def test_no_change_is_an_empty_page(world, changed, api_as):
    later = (timezone.now() + timedelta(days=1)).isoformat()
    response = api_as(LEADER).get(URL, {"updated_since": later})
    assert response.status_code == 200
    assert response.json()["results"] == [] and response.json()["next"] is None


def test_one_query_reads_the_ids_and_the_page_takes_them(world, changed, api_as):
    client = api_as(LEADER)
    client.get(URL)  # warm-up: the token's last use is recorded once
    with CaptureQueriesContext(connection) as plain:
        client.get(URL, {"page_size": 2})
    with CaptureQueriesContext(connection) as since:
        client.get(URL, {"page_size": 2, "updated_since": changed["since"]})
    assert len(since.captured_queries) == len(plain.captured_queries) + 1
    assert "ANY(" in since.captured_queries[-1]["sql"]


def test_lists_of_other_models_run_no_extra_query(world, changed, api_as):
    """Only a model whose changes lie among old ids says so (changes_spread_over_ids)."""
    client = api_as(LEADER)
    url = "/api/v1/projects/"
    client.get(url)
    with CaptureQueriesContext(connection) as plain:
        client.get(url, {"page_size": 2})
    with CaptureQueriesContext(connection) as since:
        client.get(url, {"page_size": 2, "updated_since": changed["since"]})
    assert len(since.captured_queries) == len(plain.captured_queries)


def test_a_scopes_changed_ids_are_read_from_the_pairing_and_time_index(world, changed, api_as):
    """The ids query of a scoped sync is a short range of (pairing, updated_at) per pairing
    of the scope, not the changed rows' bitmap intersected with the whole scope's."""
    client = api_as(COORDINATOR)
    client.get(URL)
    with CaptureQueriesContext(connection) as queries:
        client.get(URL, {"page_size": 2, "updated_since": changed["since"]})
    ids_query = next(q["sql"] for q in queries.captured_queries if "updated_at" in q["sql"])
    plan = plan_with_an_index(ids_query)
    assert "fundtx_pairing_updated_idx" in plan
    assert "updated_at >=" in plan.split("Index Cond:")[1].split("\n")[0]


def plan_with_an_index(sql: str) -> str:
    """``EXPLAIN`` of ``sql`` with table and bitmap scans off: the few rows of a test, where
    any plan is cheap, planned as the millions of a national table would be."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(f"EXPLAIN {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())
