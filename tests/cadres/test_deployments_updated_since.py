"""``?updated_since=`` on deployments reads few changed rows by their ids
(Deployment.changes_spread_over_ids): a deployment is extended, ended or recalled
years after it was entered, so its recent changes lie among old ids. The pages
are those of the walk they replace, in the user's scope; a coordinator's ids come
from the (pairing, updated_at) index."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from aidtrack.core.api_defaults import UpdatedSinceFilter
from aidtrack.core.testing import COORDINATOR, LEADER
from cadres.models import Deployment
from tests.cadres.test_deployments import make_deployment
from tests.funds.test_scope_id_bound import ids, walk
from tests.funds.test_updated_since_ids import plan_with_an_index
from tests.projects.test_outcomes import api_as

URL = "/api/v1/deployments/"


@pytest.fixture
def changed(world):
    """Deployments of both pairings, entered long ago; every third edited lately."""
    rows = [make_deployment(world, in_scope=index % 2 == 0, index=index).pk for index in range(9)]
    Deployment.objects.filter(pk__in=rows).update(updated_at=timezone.now() - timedelta(days=400))
    edited = rows[::3]  # spread over every id, the first included
    Deployment.objects.filter(pk__in=edited).update(updated_at=timezone.now())
    since = (timezone.now() - timedelta(days=1)).isoformat()
    return {"since": since, "edited": edited}


@pytest.mark.parametrize("role", [LEADER, COORDINATOR])
def test_by_ids_or_by_the_walk_the_pages_are_the_same(world, changed, role, monkeypatch):
    params = {"updated_since": changed["since"], "page_size": 1}
    by_ids, back = walk(api_as(world, role), URL, params)
    monkeypatch.setattr(UpdatedSinceFilter, "few_changes", 0)  # every request walks
    walked, _walked_back = walk(api_as(world, role), URL, params)
    assert ids(by_ids) == ids(walked) == ids(reversed(back))
    expected = changed["edited"]
    if role == COORDINATOR:
        mine = Deployment.objects.filter(pairing=world.in_scope_pairing)
        expected = [pk for pk in expected if mine.filter(pk=pk).exists()]
        assert 0 < len(expected) < len(changed["edited"])  # some edited rows are outside
    assert ids(by_ids) == sorted(expected)


def test_a_coordinators_changed_ids_are_read_from_the_pairing_and_time_index(world, changed):
    client = api_as(world, COORDINATOR)
    client.get(URL)  # warm-up: the token's last use is recorded once
    with CaptureQueriesContext(connection) as queries:
        client.get(URL, {"page_size": 2, "updated_since": changed["since"]})
    sql = [q["sql"] for q in queries.captured_queries if '"updated_at" >=' in q["sql"]]
    assert len(sql) == 2 and "ANY(" in sql[1]  # the ids, then the page that takes them
    assert "deployment_pairing_updated_idx" in plan_with_an_index(sql[0])
