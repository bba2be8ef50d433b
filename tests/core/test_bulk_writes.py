"""Writing many rows at once: COPY with ids, keys found by index, a rehearsal without history."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import transaction

from aidtrack.core import audit, natural_keys
from aidtrack.core.bulk import copy_insert, copy_text
from aidtrack.core.models import ChangeRecord, FeedEntry
from aidtrack.core.testing import COORDINATOR
from funds.models import FundTransaction
from tests.funds.conftest import funded_project, record

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(world):
    return funded_project(world, year=2024)


def entry(project, voucher, note="", kind="commitment", amount="100.00"):
    return FundTransaction(
        project=project,
        kind=kind,
        date=date(2024, 3, 1),
        amount=Decimal(amount),
        voucher_number=voucher,
        note=note,
    )


def test_copy_insert_stores_every_character_and_gives_the_records_their_ids(world, project):
    awkward = "第一行\n第二行\r\n制表\t反斜杠\\N 引号\"' 结束\\"
    entries = [entry(project, "记-1", note=awkward), entry(project, "记-2")]
    user = world.user(COORDINATOR)
    for item in entries:
        item.stamp_authorship()
    with audit.audit_context(user, source="import", request_id="copy-test"):
        copy_insert(entries)
    assert all(item.pk and not item._state.adding for item in entries)
    assert entries[0].pk < entries[1].pk
    stored = {item.pk: item for item in FundTransaction.objects.filter(project=project)}
    assert stored[entries[0].pk].note == awkward
    assert stored[entries[1].pk].note == ""
    assert stored[entries[0].pk].created_at is not None
    assert stored[entries[0].pk].payer_id is None
    # Triggers fire as for any insert: history names the importer.
    history = ChangeRecord.objects.filter(
        table_name="funds_fundtransaction", object_id__in=[str(item.pk) for item in entries]
    )
    assert history.count() == 2
    assert {(h.actor_id, h.source, h.request_id) for h in history} == {
        (user.pk, "import", "copy-test")
    }
    # The sequence moved past the ids taken: an ordinary save follows them.
    later = record(project, "commitment", "1.00", day=date(2024, 3, 2))
    assert later.pk > entries[1].pk


def test_copy_text_escapes_what_copy_reads_as_structure():
    assert copy_text("a\tb\nc\rd\\e") == "a\\tb\\nc\\rd\\\\e"


def test_holding_finds_exactly_the_rows_of_the_keys(world, project):
    kept = [record(project, "commitment", "10.00", voucher_number=f"记-{n}") for n in range(3)]
    constraint = natural_keys.constraints_of(FundTransaction)[0]
    stored = FundTransaction.objects.filter(constraint.condition)
    keys = {
        (project.pk, "commitment", "记-0"),
        (project.pk, "commitment", "记-2"),
        (project.pk, "disbursement", "记-1"),  # another kind: not held
        (project.pk + 10_000, "commitment", "记-1"),  # another project
    }
    found = natural_keys.holding(stored, constraint.fields, keys)
    assert sorted(found.values_list("pk", flat=True)) == [kept[0].pk, kept[2].pk]
    assert not natural_keys.holding(stored, constraint.fields, []).exists()


def test_a_rehearsal_meets_the_rules_writes_no_history_and_keeps_nothing(world, project):
    history_before = ChangeRecord.objects.count()
    feed_before = FeedEntry.objects.count()
    with audit.rehearse():
        written = record(project, "commitment", "10.00", voucher_number="记-9")
        assert FundTransaction.objects.filter(pk=written.pk).exists()
        assert ChangeRecord.objects.count() == history_before
        assert FeedEntry.objects.count() == feed_before
    assert not FundTransaction.objects.filter(pk=written.pk).exists()
    # After it, writes are recorded again (the setting was the transaction's only).
    kept = record(project, "commitment", "10.00", voucher_number="记-10")
    assert ChangeRecord.objects.filter(object_id=str(kept.pk)).exists()


def test_a_rehearsal_that_fails_leaves_nothing_either(world, project):
    with pytest.raises(RuntimeError), audit.rehearse():
        record(project, "commitment", "10.00", voucher_number="记-11")
        raise RuntimeError("stop")
    assert not FundTransaction.objects.filter(voucher_number="记-11").exists()
    assert transaction.get_connection().in_atomic_block  # the test's own transaction goes on
