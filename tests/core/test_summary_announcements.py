"""Saving a row announces its summary keys only when a counted field changed."""

from datetime import date
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from aidtrack.core import summaries
from cadres.models import Person
from funds.models import FundAllocation
from tests.cadres.test_people import make_person


def test_a_rank_change_is_one_update(world, announcements):
    person = Person.objects.get(pk=make_person(world).pk)
    announcements.clear()
    person.rank = "副处级"
    with CaptureQueriesContext(connection) as queries:
        person.save()
    # The audit row is written by the UPDATE's trigger, in the same statement.
    assert [q["sql"].split()[0] for q in queries.captured_queries] == ["UPDATE"]
    assert announcements == []


def test_a_counted_change_announces_the_keys_before_and_after(world, announcements):
    pairing = world.in_scope_pairing
    allocation = FundAllocation.objects.create(pairing=pairing, year=2022, amount=Decimal(100))
    assert announcements == [frozenset({(pairing.pk, 2022)})]
    announcements.clear()
    allocation = FundAllocation.objects.get(pk=allocation.pk)
    allocation.year = 2023  # moves it: both years' figures change
    allocation.save()
    assert announcements == [frozenset({(pairing.pk, 2022), (pairing.pk, 2023)})]
    announcements.clear()
    allocation.purpose = "教育帮扶"  # counts nowhere
    allocation.save()
    assert announcements == []
    allocation.amount = Decimal(200)  # compared with what the last save stored
    allocation.save()
    assert announcements == [frozenset({(pairing.pk, 2023)})]


def test_a_delete_announces_what_the_row_counted_for(world, announcements):
    pairing = world.in_scope_pairing
    allocation = FundAllocation.objects.create(pairing=pairing, year=2022, amount=Decimal(100))
    announcements.clear()
    FundAllocation.objects.get(pk=allocation.pk).delete()
    assert announcements == [frozenset({(pairing.pk, 2022)})]


def test_bulk_writes_announce_in_one_call(world, announcements):
    pairing = world.in_scope_pairing
    rows = [
        FundAllocation(pairing=pairing, year=year, amount=Decimal(1)) for year in (2021, 2022, 2023)
    ]
    FundAllocation.objects.bulk_create(rows)
    summaries.announce(key for row in rows for key in row.summary_keys())
    assert announcements == [
        frozenset({(pairing.pk, 2021), (pairing.pk, 2022), (pairing.pk, 2023)})
    ]


def test_a_row_built_with_its_id_is_compared_with_the_stored_one(world, announcements):
    pairing = world.in_scope_pairing
    stored = FundAllocation.objects.create(pairing=pairing, year=2022, amount=Decimal(100))
    announcements.clear()
    unloaded = FundAllocation(
        pk=stored.pk, pairing=pairing, year=2021, amount=Decimal(100), allocated_on=date(2021, 1, 1)
    )
    unloaded._state.adding = False
    unloaded.created_at = stored.created_at
    unloaded.save()
    assert announcements == [frozenset({(pairing.pk, 2021), (pairing.pk, 2022)})]
