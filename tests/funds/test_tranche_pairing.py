"""Investments in place carry their investment's pairing (aidtrack.core.copies): the
coordinator's scope, the pairing filter and the API's deep pages read the row's own
column, which follows the investment however the rows are written."""

from datetime import date
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from aidtrack.core import scoping
from aidtrack.core.bulk import copy_insert
from aidtrack.core.testing import COORDINATOR
from funds.models import Investment, InvestmentTranche
from tests.funds.conftest import in_place, investment


def test_a_tranche_carries_its_investments_pairing_and_follows_it(world):
    coordinator = world.user(COORDINATOR)
    mine = investment(world)
    tranche = in_place(mine, "1000000.00")
    assert InvestmentTranche.objects.get(pk=tranche.pk).pairing_id == world.in_scope_pairing.pk
    visible = InvestmentTranche.objects.for_user(coordinator, scoping.VIEW)
    assert visible.filter(pk=tranche.pk).exists()

    Investment.objects.filter(pk=mine.pk).update(pairing=world.out_of_scope_pairing)
    assert InvestmentTranche.objects.get(pk=tranche.pk).pairing_id == world.out_of_scope_pairing.pk
    coordinator.forget_scope()
    visible = InvestmentTranche.objects.for_user(coordinator, scoping.VIEW)
    assert not visible.filter(pk=tranche.pk).exists()

    # Written by hand apart from the investment, the copy is put back.
    InvestmentTranche.objects.filter(pk=tranche.pk).update(pairing=world.in_scope_pairing)
    assert InvestmentTranche.objects.get(pk=tranche.pk).pairing_id == world.out_of_scope_pairing.pk


def test_a_bulk_copy_of_tranches_fills_the_pairing(world):
    """COPY (the import's path) goes through the BEFORE trigger like the ORM."""
    theirs = investment(world, in_scope=False, index=1)
    copy_insert(
        [InvestmentTranche(investment=theirs, date=date(2022, 10, 1), amount=Decimal("200000.00"))]
    )
    row = InvestmentTranche.objects.get(investment=theirs)
    assert row.pairing_id == world.out_of_scope_pairing.pk


def test_the_coordinators_tranche_pages_read_the_rows_own_pairing(world, api_as):
    mine = investment(world)
    theirs = investment(world, in_scope=False, index=1)
    kept = [in_place(mine, "100000.00", date(2022, 9, day)).pk for day in (1, 2, 3)]
    in_place(theirs, "100000.00")
    client = api_as(COORDINATOR)
    client.get("/api/v1/investment-tranches/")  # warm-up: the token's last use is recorded once
    with CaptureQueriesContext(connection) as queries:
        first = client.get("/api/v1/investment-tranches/", {"page_size": 2}).json()
        last = client.get(first["next"]).json()
    assert sorted(row["id"] for row in first["results"] + last["results"]) == kept
    assert "ROW(" in queries.captured_queries[-1]["sql"]  # the deep page stops at the scope
