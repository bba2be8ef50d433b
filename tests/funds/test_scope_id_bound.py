"""A coordinator's API pages stop at the scope's edge (core.scoping.scope_id_bound),
and the project's pairing copied onto its rows (projects.pairing_copy) follows the
project however the rows are written."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aidtrack.core import audit
from aidtrack.core.bulk import copy_insert
from aidtrack.core.testing import COORDINATOR, LEADER
from funds.models import FundTransaction
from funds.services import fund_transactions_record
from projects.models import ProgressUpdate, Project, ProjectAttachment
from tests.funds.conftest import funded_project

URL = "/api/v1/fund-transactions/"


def commitments(project, count, start=0) -> list[int]:
    """``count`` commitments written through the ORM, in id order."""
    return [
        FundTransaction.objects.create(
            project=project,
            kind="commitment",
            amount=Decimal("100.00"),
            date=date(2023, 1, 1) + timedelta(days=start + n),
        ).pk
        for n in range(count)
    ]


@pytest.fixture
def ledger(world):
    """Rows of another pairing before and after the coordinator's: the walk has a tail."""
    outside = funded_project(world, in_scope=False)
    inside = funded_project(world)
    before = commitments(outside, 2)
    mine = commitments(inside, 5, start=10)
    after = commitments(outside, 3, start=20)
    return {"before": before, "mine": mine, "after": after}


def walk(client, url, params):
    """Every page by "next" from the first, then back by "previous" from the last."""
    pages, response = [], client.get(url, params).json()
    pages.append(response)
    while response["next"]:
        response = client.get(response["next"]).json()
        pages.append(response)
    back = [response]
    while response["previous"]:
        response = client.get(response["previous"]).json()
        back.append(response)
    return pages, back


def ids(pages):
    return [row["id"] for page in pages for row in page["results"]]


def test_a_coordinators_pages_end_at_the_scope_both_ways(world, ledger, api_as):
    pages, back = walk(api_as(COORDINATOR), URL, {"page_size": 2})
    assert ids(pages) == ledger["mine"]
    assert [len(page["results"]) for page in pages] == [2, 2, 1]
    assert pages[-1]["next"] is None
    assert ids(reversed(back)) == ledger["mine"]
    assert back[-1]["previous"] is None


def test_the_leader_pages_through_every_row(world, ledger, api_as):
    pages, back = walk(api_as(LEADER), URL, {"page_size": 4})
    every = sorted(ledger["before"] + ledger["mine"] + ledger["after"])
    assert ids(pages) == every
    assert ids(reversed(back)) == every


def test_a_page_after_a_position_runs_the_queries_of_the_first(world, ledger, api_as):
    client = api_as(COORDINATOR)
    client.get(URL)  # warm-up: the token's last use is recorded once
    with CaptureQueriesContext(connection) as first:
        page = client.get(URL, {"page_size": 2}).json()
    first_sql = [query["sql"] for query in first.captured_queries]
    second = client.get(page["next"]).json()
    with CaptureQueriesContext(connection) as deep:
        last = client.get(second["next"]).json()
    deep_sql = [query["sql"] for query in deep.captured_queries]
    assert last["next"] is None and len(last["results"]) == 1
    assert len(deep_sql) == len(first_sql), deep_sql
    # The scope's edge is a subquery of the page's own query; the first page is as it was.
    assert "ROW(" in deep_sql[-1] and "ROW(" not in first_sql[-1]


def test_progress_pages_end_at_the_scope(world, api_as):
    outside = funded_project(world, in_scope=False)
    inside = funded_project(world)
    day = date(2023, 1, 1)
    ProgressUpdate.objects.create(project=outside, date=day, percent=5)
    mine = [
        ProgressUpdate.objects.create(project=inside, date=day + timedelta(days=n), percent=n).pk
        for n in range(3)
    ]
    ProgressUpdate.objects.create(project=outside, date=day + timedelta(days=1), percent=9)
    pages, back = walk(api_as(COORDINATOR), "/api/v1/project-progress/", {"page_size": 2})
    assert ids(pages) == mine
    assert ids(reversed(back)) == mine


def test_the_pairing_is_filled_however_a_row_is_written(world):
    project = funded_project(world)
    by_orm = FundTransaction.objects.get(pk=commitments(project, 1)[0])
    many = fund_transactions_record(
        [
            FundTransaction(
                project=project, kind="commitment", amount=Decimal("10.00"), date=date(2023, 2, n)
            )
            for n in (1, 2)
        ],
        user=world.user(COORDINATOR),
    )
    copied = [
        FundTransaction(
            project=project, kind="commitment", amount=Decimal("5.00"), date=date(2023, 3, 1)
        )
    ]
    copied[0].stamp_authorship()
    with audit.audit_context(world.user(COORDINATOR), source="import", request_id="copy"):
        copy_insert(copied)
    progress = ProgressUpdate.objects.create(project=project, date=date(2023, 4, 1), percent=10)
    written = [by_orm.pk, *(row.pk for row in many), copied[0].pk]
    assert set(
        FundTransaction.objects.filter(pk__in=written).values_list("pairing_id", flat=True)
    ) == {project.pairing_id}
    assert ProgressUpdate.objects.get(pk=progress.pk).pairing_id == project.pairing_id


def test_the_pairing_follows_a_project_moved_to_another_pairing(world):
    project = funded_project(world)
    entry = commitments(project, 1)[0]
    progress = ProgressUpdate.objects.create(project=project, date=date(2023, 4, 1), percent=10)
    # bulk_create: an INSERT without save()'s file handling (no file is stored here).
    (attachment,) = ProjectAttachment.objects.bulk_create(
        [ProjectAttachment(project=project, title="照片", file="projects/x/photo.pdf", size=1)]
    )
    coordinator = world.user(COORDINATOR)
    assert FundTransaction.objects.for_user(coordinator, "view").filter(pk=entry).exists()
    other = world.out_of_scope_pairing
    Project.objects.filter(pk=project.pk).update(pairing=other)
    assert FundTransaction.objects.get(pk=entry).pairing_id == other.pk
    assert ProgressUpdate.objects.get(pk=progress.pk).pairing_id == other.pk
    assert ProjectAttachment.objects.get(pk=attachment.pk).pairing_id == other.pk
    coordinator.forget_scope()
    assert not FundTransaction.objects.for_user(coordinator, "view").filter(pk=entry).exists()
    assert not ProgressUpdate.objects.for_user(coordinator, "view").filter(pk=progress.pk).exists()


def test_the_pairing_cannot_be_written_apart_from_the_project(world):
    project = funded_project(world)
    entry = commitments(project, 1)[0]
    FundTransaction.objects.filter(pk=entry).update(pairing=world.out_of_scope_pairing)
    assert FundTransaction.objects.get(pk=entry).pairing_id == project.pairing_id
