"""``fields=`` and ``id=`` (core.params) over every resource of the router, on the demo's rows.

``fields`` keeps exactly the named top-level fields, with the values the full
record has, on lists and details alike; an unknown name is a 400 naming it.
``id`` returns exactly the requested records the caller may see (others are
silently absent); more than 500 ids is a 400. Neither changes the number of
queries a list takes; where a list is read as column values, ``fields``
also narrows the SQL to the kept columns.
"""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.models import User
from aidtrack.api_router import router
from aidtrack.core import scoping
from aidtrack.core.params import MAX_IDS, readable_fields
from funds.models import OverAllocation
from pairings.models import Pairing
from projects.models import OutcomeEvidence, OutcomeReport, Project, ProjectAttachment

pytestmark = pytest.mark.xdist_group("demo")

RESOURCES = [
    pytest.param(prefix, viewset, id=prefix) for prefix, viewset, _basename in router.registry
]


@pytest.fixture
def every_resource(demo_loaded):
    """The demo, plus rows of the kinds it lacks: files and over-allocations, in and out of
    the Zhongshan coordinator's scope."""
    coordinator = User.objects.get(username="coord_zs")
    admin = User.objects.get(username="admin")
    projects = Project.objects.order_by("id")
    reports = OutcomeReport.objects.order_by("id")
    pairings = Pairing.objects.order_by("id")
    # bulk_create: rows only, no files to read (their size is given).
    ProjectAttachment.objects.bulk_create(
        ProjectAttachment(project=project, title="方案", file="a/plan.pdf", size=10)
        for project in (projects.for_user(coordinator).first(), projects.first())
    )
    OutcomeEvidence.objects.bulk_create(
        OutcomeEvidence(report=report, title="照片", file="e/photo.jpg", size=20)
        for report in (reports.for_user(coordinator).first(), reports.first())
    )
    OverAllocation.objects.bulk_create(
        OverAllocation(
            pairing=pairing, year=2024, amount=Decimal("12345.60"), reason="追加", approved_by=admin
        )
        for pairing in (pairings.for_user(coordinator).first(), pairings.first())
    )


def _client(username):
    client = APIClient()
    client.force_authenticate(User.objects.get(username=username))
    return client


def _chosen_fields(viewset) -> list[str]:
    """``id`` and two others: the last field and one from the middle."""
    names = readable_fields(viewset.serializer_class(context={}))
    others = [name for name in names if name != "id"]
    return ["id", others[len(others) // 2], others[-1]]


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


@pytest.mark.parametrize(("prefix", "viewset"), RESOURCES)
def test_fields_keep_exactly_the_named_ones(every_resource, prefix, viewset):
    client = _client("admin")
    url = f"/api/v1/{prefix}/"
    chosen = _chosen_fields(viewset)
    full = client.get(url, {"page_size": 20}).json()["results"]
    assert full, f"the demo has no /{prefix}/"
    response = client.get(url, {"page_size": 20, "fields": ",".join(reversed(chosen))})
    assert response.status_code == 200, response.content
    selected = response.json()["results"]
    assert [set(row) for row in selected] == [set(chosen)] * len(full)
    assert selected == [{name: row[name] for name in row if name in chosen} for row in full]

    detail = client.get(f"{url}{full[0]['id']}/", {"fields": ",".join(chosen)})
    assert detail.status_code == 200, detail.content
    assert detail.json() == {name: full[0][name] for name in full[0] if name in chosen}

    for target in (url, f"{url}{full[0]['id']}/"):
        response = client.get(target, {"fields": "id,bogus"})
        assert response.status_code == 400
        [message] = response.json()["errors"]["fields"]
        assert "bogus" in message


@pytest.mark.parametrize(("prefix", "viewset"), RESOURCES)
def test_ids_return_exactly_the_visible_requested_records(every_resource, prefix, viewset):
    coordinator = User.objects.get(username="coord_zs")
    everything = set(viewset.queryset.values_list("pk", flat=True))
    visible = set(viewset.queryset.for_user(coordinator, scoping.VIEW).values_list("pk", flat=True))
    inside = sorted(visible)[:4]
    outside = sorted(everything - visible)[:4]
    missing = [max(everything, default=0) + 1000]
    requested = ",".join(str(pk) for pk in [*outside, *inside, *missing])
    url = f"/api/v1/{prefix}/"

    assert _ids(_client("coord_zs").get(url, {"id": requested})) == inside
    assert _ids(_client("admin").get(url, {"id": requested})) == sorted([*inside, *outside])

    too_many = ",".join(str(pk) for pk in range(1, MAX_IDS + 2))
    response = _client("admin").get(url, {"id": too_many})
    assert response.status_code == 400
    assert "id" in response.json()["errors"]


@pytest.mark.parametrize(("prefix", "viewset"), RESOURCES)
def test_fields_and_ids_take_the_same_queries(every_resource, prefix, viewset):
    client = _client("admin")
    url = f"/api/v1/{prefix}/"
    ids = ",".join(map(str, sorted(viewset.queryset.values_list("pk", flat=True))[:50]))
    counts = {}
    for label, params in {
        "plain": {},
        "fields": {"fields": ",".join(_chosen_fields(viewset))},
        "id": {"id": ids},
        "both": {"id": ids, "fields": "id"},
    }.items():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, {"page_size": 50, **params}).status_code == 200
        counts[label] = len(queries)
    assert len(set(counts.values())) == 1, counts


def test_fields_narrow_the_sql_of_a_column_list(every_resource):
    """Pairings are read as column values: only the kept fields' columns are selected."""
    client = _client("admin")
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/pairings/", {"fields": "id,level", "page_size": 5})
    assert response.status_code == 200
    [page] = [q["sql"] for q in queries.captured_queries if 'FROM "pairings_pairing"' in q["sql"]]
    select = page.split(" FROM ")[0]
    assert '"pairings_pairing"."level"' in select
    assert '"pairings_pairing"."notes"' not in select
    assert "pairings_region" not in page  # the nested regions are not joined
