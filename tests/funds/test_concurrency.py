"""Concurrent entry cannot break the invariants.

Each test starts several threads, each with its own database connection and
transaction, released together by a barrier so their checks genuinely
overlap; afterwards the totals are recomputed from the raw rows.
"""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connections
from django.db.models import Sum
from rest_framework.test import APIClient

from aidtrack.core.testing import COORDINATOR
from funds.models import FundAllocation, FundTransaction
from funds.services import fund_allocation_save
from tests.factories import ProjectFactory
from tests.funds.conftest import allocate, funded_project, record

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 8


def run_together(jobs):
    """Run the callables at the same moment, each in its own thread and connection.

    Returns each job's result or the exception it raised, in order.
    """
    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)

    def worker(index, job):
        try:
            barrier.wait(timeout=30)
            results[index] = job()
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test inspects
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def stage_total(kind, **filters) -> Decimal:
    total = FundTransaction.objects.filter(kind=kind, **filters).aggregate(total=Sum("amount"))
    return total["total"] or Decimal(0)


def refused(results) -> list:
    return [r for r in results if isinstance(r, ValidationError)]


def test_concurrent_disbursements_never_exceed_the_commitments(world):
    project = funded_project(world, allocation="100000.00")
    record(project, "commitment", "100000.00")

    def disburse():
        return record(project, "disbursement", "30000.00")

    results = run_together([disburse] * THREADS)
    saved = [r for r in results if isinstance(r, FundTransaction)]
    assert len(saved) == 3 and len(refused(results)) == THREADS - 3, results
    assert stage_total("disbursement", project=project) == Decimal("90000.00")


def test_concurrent_expenditure_and_reversal_keep_the_order_of_stages(world):
    """Spending and cancelling the disbursement it relies on cannot both succeed."""
    project = funded_project(world, allocation="100000.00")
    record(project, "commitment", "100000.00")
    disbursement = record(project, "disbursement", "50000.00")

    def spend():
        return record(project, "expenditure", "50000.00")

    def cancel():
        return record(project, "disbursement", "-50000.00", reverses=disbursement)

    results = run_together([spend, cancel] * (THREADS // 2))
    committed = stage_total("commitment", project=project)
    disbursed = stage_total("disbursement", project=project)
    spent = stage_total("expenditure", project=project)
    assert 0 <= spent <= disbursed <= committed, results
    assert len([r for r in results if isinstance(r, FundTransaction)]) == 1


def test_concurrent_commitments_across_projects_stay_within_the_allocation(world):
    """Different projects, so only the pairing-year lock serialises them."""
    pairing = world.in_scope_pairing
    allocate(pairing, 2023, "100000.00")
    projects = [ProjectFactory(pairing=pairing, year=2023) for _ in range(THREADS)]

    def commit(project):
        return lambda: record(project, "commitment", "30000.00")

    results = run_together([commit(project) for project in projects])
    assert len(refused(results)) == THREADS - 3, results
    committed = stage_total("commitment", project__pairing=pairing, project__year=2023)
    assert committed == Decimal("90000.00")


def test_shrinking_the_allocation_while_committing(world):
    pairing = world.in_scope_pairing
    allocation = allocate(pairing, 2023, "100000.00")
    projects = [ProjectFactory(pairing=pairing, year=2023) for _ in range(THREADS - 1)]

    def shrink():
        fresh = FundAllocation.objects.get(pk=allocation.pk)
        fresh.amount = Decimal("40000.00")
        return fund_allocation_save(allocation=fresh)

    def commit(project):
        return lambda: record(project, "commitment", "20000.00")

    run_together([shrink, *(commit(p) for p in projects)])
    allowed = FundAllocation.objects.get(pk=allocation.pk).amount
    committed = stage_total("commitment", project__pairing=pairing, project__year=2023)
    assert committed <= allowed


def test_concurrent_api_requests_keep_the_invariants(world):
    """Requests through the whole stack: authentication, serializer, service, commit."""
    project = funded_project(world, allocation="200000.00")
    record(project, "commitment", "100000.00")
    record(project, "disbursement", "100000.00")
    key = world.token(COORDINATOR)

    def post(kind, amount):
        def request():
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
            return client.post(
                "/api/v1/fund-transactions/",
                {"project": project.pk, "kind": kind, "amount": amount, "date": "2023-05-01"},
                format="json",
            ).status_code

        return request

    jobs = [post("expenditure", "40000.00")] * 4 + [post("commitment", "40000.00")] * 4
    statuses = run_together(jobs)
    assert set(statuses) <= {201, 400}, statuses
    committed = stage_total("commitment", project=project)
    spent = stage_total("expenditure", project=project)
    assert spent == Decimal("80000.00")  # two of four fit into the 100,000 disbursed
    assert committed == Decimal("180000.00")  # two of four fit into the 200,000 allocated
    assert statuses.count(201) == 4


def test_a_valid_entry_after_the_race_still_works(world):
    """The locks are transaction-scoped: nothing stays held after a refusal."""
    project = funded_project(world, allocation="10000.00")
    run_together([lambda: record(project, "commitment", "10000.00")] * 2)
    entry = record(
        project, "disbursement", "10000.00", date(2023, 6, 1), user=world.user(COORDINATOR)
    )
    assert entry.pk is not None
