"""Many fund transactions at once (an import): the rules of one entry, for all, or nothing.

``fund_transactions_record`` judges the entries in their order against the
totals the entries before them leave, names every refused entry by its
index with the message recording it alone gives, and saves nothing unless
all pass; its queries do not grow with the entries.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.translation import gettext as _

from accounts.models import User
from aidtrack.core import natural_keys
from aidtrack.core.audit import audit_context
from aidtrack.core.models import ChangeRecord
from aidtrack.core.testing import COORDINATOR, LEADER
from aidtrack.core.writes import RecordErrors, save_records
from funds.models import FundTransaction
from funds.selectors import pairing_year_balance, pairing_year_balances
from funds.services import fund_transaction_record, fund_transactions_record
from tests.factories import ProjectFactory
from tests.funds.conftest import allocate, enterprise, funded_project, record
from tests.funds.test_concurrency import run_together, stage_total

DAY = date(2023, 3, 1)


def entry(project, kind, amount, **fields) -> FundTransaction:
    return FundTransaction(
        project=project, kind=kind, amount=Decimal(amount), date=fields.pop("day", DAY), **fields
    )


def refusals(entries, user=None) -> dict[int, ValidationError]:
    with pytest.raises(RecordErrors) as refused:
        fund_transactions_record(entries, user=user)
    return refused.value.errors


def alone(entry_, user=None) -> ValidationError:
    """What recording this entry by itself says."""
    with pytest.raises(ValidationError) as refused:
        fund_transaction_record(entry_, user=user)
    return refused.value


def cleaned(entry_) -> ValidationError:
    """What Django's own ``full_clean()`` says of the entry, with its query per check."""
    with pytest.raises(ValidationError) as refused:
        entry_.full_clean()
    return refused.value


def described(error: ValidationError) -> dict:
    """Each field's (code, message) pairs: what a form, the API or an import shows."""
    return {
        field: [(item.code, *item.messages) for item in items]
        for field, items in error.error_dict.items()
    }


@pytest.fixture
def project(world):
    return funded_project(world, allocation="1000000.00")


class TestOrder:
    def test_a_commitment_lets_a_later_disbursement_through(self, world, project):
        saved = fund_transactions_record(
            [
                entry(project, "commitment", "500.00"),
                entry(project, "disbursement", "300.00"),
                entry(project, "expenditure", "300.00"),
            ],
            user=world.user(COORDINATOR),
        )
        assert all(e.pk for e in saved)
        assert stage_total("expenditure", project=project) == Decimal("300.00")

    def test_the_same_entries_in_the_other_order_are_refused(self, world, project):
        errors = refusals(
            [entry(project, "disbursement", "300.00"), entry(project, "commitment", "500.00")]
        )
        assert list(errors) == [0]
        assert (
            errors[0].message_dict == alone(entry(project, "disbursement", "300.00")).message_dict
        )
        assert not FundTransaction.objects.exists()

    def test_a_refused_entry_counts_for_none_after_it(self, world, project):
        errors = refusals(
            [
                entry(project, "commitment", "0.00"),  # refused: not positive
                entry(project, "disbursement", "1.00"),  # nothing committed then
                entry(project, "commitment", "5.00"),
                entry(project, "disbursement", "5.00"),
            ]
        )
        assert list(errors) == [0, 1]


class TestAllErrorsAndNothingSaved:
    def test_every_refused_entry_is_named_with_the_message_it_gets_alone(self, world, project):
        record(project, "commitment", "1000.00")
        gone = ProjectFactory(pairing=project.pairing)
        gone_id = gone.pk
        gone.delete()
        payer = enterprise(world)
        before = (FundTransaction.objects.count(), ChangeRecord.objects.count())
        batch = [
            entry(project, "disbursement", "600.00", payer=payer),  # fine
            entry(project, "disbursement", "600.00"),  # 1,200 > 1,000 committed
            entry(project, "expenditure", "100.00", voucher_number="x" * 61),  # too long
            entry(project, "expenditure", "0.00"),  # not positive
            entry(project, "expenditure", "100.00", payee_id=10**9),  # no such organisation
            FundTransaction(project_id=gone_id, kind="commitment", amount=1, date=DAY),
            entry(project, "refund", "1.00"),  # no such kind
            entry(project, "expenditure", "100.00"),  # fine
        ]
        errors = refusals(batch, user=world.user(COORDINATOR))
        assert list(errors) == [1, 2, 3, 4, 5, 6]
        assert (FundTransaction.objects.count(), ChangeRecord.objects.count()) == before
        assert "amount" in errors[1].message_dict
        assert "voucher_number" in errors[2].message_dict
        for index in (2, 3, 4, 6):
            assert described(errors[index]) == described(cleaned(batch[index])), index
        assert errors[4].error_dict["payee"][0].code == "invalid"
        assert described(errors[5]) == described(alone(batch[5], user=world.user(COORDINATOR)))

    def test_nothing_is_announced_when_anything_is_refused(self, world, project, announcements):
        announcements.clear()
        with pytest.raises(RecordErrors):
            fund_transactions_record(
                [entry(project, "commitment", "10.00"), entry(project, "expenditure", "1.00")],
                user=None,
            )
        assert announcements == []


class TestScope:
    def test_entries_of_another_pairing_are_refused_and_say_nothing_more(self, world, project):
        outside = funded_project(world, in_scope=False)
        taken = record(outside, "commitment", "10.00", voucher_number="记-1")
        errors = refusals(
            [
                entry(project, "commitment", "10.00"),
                entry(outside, "commitment", "10.00", voucher_number=taken.voucher_number),
                entry(outside, "expenditure", "99999999.00"),
            ],
            user=world.user(COORDINATOR),
        )
        assert list(errors) == [1, 2]
        for error in errors.values():  # not the duplicate, not the totals: only the scope
            assert list(error.message_dict) == ["project"]
        assert not isinstance(errors[1], natural_keys.DuplicateRecord)
        assert FundTransaction.objects.count() == 1

    def test_a_role_that_may_not_record_is_refused_outright(self, world, project):
        with pytest.raises(PermissionDenied):
            fund_transactions_record(
                [entry(project, "commitment", "1.00")], user=world.user(LEADER)
            )


class TestVouchers:
    def test_a_stored_voucher_names_the_entry_holding_it(self, world, project):
        first = record(project, "commitment", "10.00", voucher_number="记-1")
        errors = refusals(
            [
                entry(project, "commitment", "10.00", voucher_number="记-2"),
                entry(project, "commitment", "10.00", voucher_number="记-1"),
            ]
        )
        assert list(errors) == [1]
        assert isinstance(errors[1], natural_keys.DuplicateRecord)
        assert errors[1].existing == first
        again = cleaned(entry(project, "commitment", "10.00", voucher_number="记-1"))
        assert described(errors[1]) == described(again)

    def test_a_stored_voucher_counts_for_none_of_the_totals_after_it(self, world, project):
        """Found by the constraint at the insert: judged again, the duplicate commitment
        commits nothing, so the disbursement relying on it is refused too; nothing is saved."""
        record(project, "commitment", "10.00", voucher_number="记-1")
        record(project, "disbursement", "10.00")
        errors = refusals(
            [
                entry(project, "commitment", "30.00", voucher_number="记-1"),
                entry(project, "disbursement", "30.00"),
            ]
        )
        assert list(errors) == [0, 1]
        assert isinstance(errors[0], natural_keys.DuplicateRecord)
        assert list(errors[1].message_dict) == ["amount"]  # the stages: 40 disbursed > 10
        assert FundTransaction.objects.count() == 2

    def test_a_stored_voucher_is_named_beside_the_batch_other_refusals(self, world, project):
        first = record(project, "commitment", "10.00", voucher_number="记-1")
        errors = refusals(
            [
                entry(project, "expenditure", "99999.00"),
                entry(project, "commitment", "10.00", voucher_number="记-1"),
            ]
        )
        assert list(errors) == [0, 1]
        assert errors[1].existing == first

    def test_new_vouchers_cost_no_probe_of_the_stored_ones(self, world, project):
        """The constraint guards the stored vouchers on the way in: no query looks for them."""
        with CaptureQueriesContext(connection) as queries:
            fund_transactions_record(
                [entry(project, "commitment", "10.00", voucher_number="记-7")], user=None
            )
        assert not [q for q in queries if "voucher_number" in q["sql"] and "unnest" in q["sql"]]
        assert FundTransaction.objects.get().voucher_number == "记-7"

    def test_a_voucher_twice_in_the_batch_refuses_the_second(self, world, project):
        other = funded_project(world, allocation=None)
        errors = refusals(
            [
                entry(project, "commitment", "10.00", voucher_number="记-5"),
                entry(other, "commitment", "10.00", voucher_number="记-5"),  # another project
                entry(project, "disbursement", "1.00", voucher_number="记-5"),  # another kind
                entry(project, "commitment", "10.00", voucher_number="记-5"),
            ]
        )
        assert list(errors) == [3]
        assert errors[3].error_dict[NON_FIELD_ERRORS][0].messages == [
            _("An earlier entry of this batch has the same project, kind and voucher number.")
        ]

    def test_blank_vouchers_and_reversals_repeat(self, world, project):
        original = record(project, "commitment", "10.00", voucher_number="记-9")
        saved = fund_transactions_record(
            [
                entry(project, "commitment", "1.00"),
                entry(project, "commitment", "1.00"),
                entry(project, "commitment", "-10.00", voucher_number="记-9", reverses=original),
            ],
            user=None,
        )
        assert len(saved) == 3

    @pytest.mark.parametrize("voucher", ["", "记-3"])
    @pytest.mark.parametrize("reversal", [False, True])
    def test_which_entries_claim_a_voucher_follows_the_constraint(
        self, world, project, voucher, reversal
    ):
        """The service's reading of the constraint's condition, against the database's."""
        from funds.services import _voucher_keys

        original = record(project, "commitment", "10.00")
        candidate = entry(
            project,
            "commitment",
            "-10.00" if reversal else "10.00",
            voucher_number=voucher,
            reverses=original if reversal else None,
        )
        constraint = natural_keys.constraints_of(FundTransaction)[0]
        covered = constraint.condition.check(
            candidate._get_field_expression_map(FundTransaction._meta)
        )
        assert (0 in _voucher_keys({0: candidate})) is covered


class TestReversals:
    @pytest.fixture
    def disbursement(self, project):
        record(project, "commitment", "1000.00")
        return record(project, "disbursement", "600.00")

    def test_a_reversal_and_new_entries_in_one_batch(self, world, project, disbursement):
        fund_transactions_record(
            [
                entry(project, "disbursement", "-600.00", reverses=disbursement),
                entry(project, "disbursement", "1000.00"),
                entry(project, "expenditure", "1000.00"),
            ],
            user=world.user(COORDINATOR),
        )
        assert stage_total("disbursement", project=project) == Decimal("1000.00")

    def test_a_reversal_keeps_its_rules(self, world, project, disbursement):
        commitment = record(project, "commitment", "50.00")
        other = record(project, "disbursement", "10.00")
        spent = record(project, "expenditure", "100.00")
        (cancelled,) = fund_transactions_record(
            [entry(project, "expenditure", "-100.00", reverses=spent)], user=None
        )
        batch = [
            entry(project, "disbursement", "-600.00", reverses=disbursement),
            entry(project, "disbursement", "-600.00", reverses=disbursement),  # again
            entry(project, "commitment", "-1.00", reverses=commitment),  # not its amount
            entry(project, "commitment", "-10.00", reverses=other),  # another kind
            entry(project, "expenditure", "100.00", reverses=cancelled),  # a reversal
            entry(project, "expenditure", "-1.00", reverses_id=10**9),  # no such entry
        ]
        errors = refusals(batch)
        assert list(errors) == [1, 2, 3, 4, 5]
        assert errors[1].message_dict == {
            "reverses": [_("An earlier entry of this batch already reverses this entry.")]
        }
        for index in (2, 3, 4):
            assert described(errors[index]) == described(cleaned(batch[index])), index
        assert errors[5].error_dict["reverses"][0].code == "invalid"

    def test_a_reversal_already_stored_is_refused_as_alone(self, world, project, disbursement):
        record(project, "disbursement", "-600.00", reverses=disbursement)
        again = entry(project, "disbursement", "-600.00", reverses=disbursement)
        errors = refusals([entry(project, "disbursement", "1.00"), again])
        assert list(errors) == [1]
        assert errors[1].error_dict["reverses"][0].code == "unique"
        assert described(errors[1]) == described(cleaned(again))


class TestAllocations:
    def test_the_commitment_that_crosses_the_allowance_is_refused(self, world):
        project = funded_project(world, allocation="500.00")
        other = ProjectFactory(pairing=project.pairing, year=2023)
        elsewhere = funded_project(world, year=2024, allocation="100.00")
        batch = [
            entry(project, "commitment", "300.00"),
            entry(elsewhere, "commitment", "100.00"),  # another year: its own allowance
            entry(other, "commitment", "200.01"),  # 500.01 > 500
            entry(other, "commitment", "200.00"),  # exactly 500
            entry(other, "commitment", "0.01"),
        ]
        errors = refusals(batch)
        assert list(errors) == [2, 4]
        assert {e.code for e in errors.values()} == {"over_allocated"}
        record(project, "commitment", "300.00")
        record(other, "commitment", "200.00")
        assert errors[4].messages == alone(entry(other, "commitment", "0.01")).messages

    def test_a_reversed_commitment_frees_its_room_for_the_entries_after_it(self, world):
        project = funded_project(world, allocation="500.00")
        committed = record(project, "commitment", "500.00")
        fund_transactions_record(
            [
                entry(project, "commitment", "-500.00", reverses=committed),
                entry(project, "commitment", "500.00"),
            ],
            user=None,
        )
        assert pairing_year_balance(project.pairing_id, 2023)["committed"] == Decimal("500.00")

    def test_balances_of_many_pairing_years_in_one_query(self, world):
        project = funded_project(world, allocation="500.00")
        allocate(project.pairing, 2024, "70.00")
        record(project, "commitment", "20.00")
        outside = world.out_of_scope_pairing.pk
        scopes = [(project.pairing_id, 2023), (project.pairing_id, 2024), (outside, 2023)]
        with CaptureQueriesContext(connection) as queries:
            balances = pairing_year_balances(scopes)
        assert len(queries) == 1
        assert balances == {scope: pairing_year_balance(*scope) for scope in scopes}
        assert balances[(project.pairing_id, 2023)]["committed"] == Decimal("20.00")
        assert balances[(project.pairing_id, 2024)]["allowed"] == Decimal("70.00")


def test_authorship_and_history_come_from_the_audit_context(world, project):
    coordinator = world.user(COORDINATOR)
    with audit_context(coordinator, source="command"):
        saved = fund_transactions_record([entry(project, "commitment", "1.00")], user=coordinator)
    stored = FundTransaction.objects.get(pk=saved[0].pk)
    assert stored.created_by == stored.updated_by == coordinator
    change = ChangeRecord.objects.for_object(stored).get()
    assert (change.action, change.actor_id, change.source) == ("create", coordinator.pk, "command")


def test_summary_keys_are_announced_once(world, project, announcements):
    later = funded_project(world, year=2024)
    announcements.clear()
    fund_transactions_record(
        [entry(project, "commitment", "1.00"), entry(later, "commitment", "1.00")] * 3,
        user=None,
    )
    pairing = world.in_scope_pairing.pk
    assert announcements == [frozenset({(pairing, 2023), (pairing, 2024)})]


def test_save_records_uses_the_service_for_many(world, project):
    with pytest.raises(RecordErrors) as refused:
        save_records(
            [entry(project, "commitment", "1.00"), entry(project, "expenditure", "1.00")],
            user=world.user(COORDINATOR),
        )
    assert list(refused.value.errors) == [1]
    assert not FundTransaction.objects.exists()


def _mixed_batch(world, size: int) -> list[FundTransaction]:
    """``size`` entries of every sort (vouchers, payers, reversals) over size // 10 projects."""
    payer = enterprise(world)
    batch = []
    for _project in range(size // 10):
        project = ProjectFactory(pairing=world.in_scope_pairing, year=2023)
        wrong = record(project, "commitment", "5.00")
        batch += [
            entry(project, "commitment", "-5.00", reverses=wrong),
            entry(project, "commitment", "1000.00", voucher_number=f"记-{project.pk}"),
            *(entry(project, "disbursement", "100.00", payer=payer) for _ in range(4)),
            *(entry(project, "expenditure", "100.00", payee=payer) for _ in range(4)),
        ]
    return batch


def test_the_number_of_queries_does_not_grow_with_the_entries(world):
    allocate(world.in_scope_pairing, 2023, "100000000.00")
    few, many = _mixed_batch(world, 10), _mixed_batch(world, 200)
    counts = []
    for batch in (few, many):
        coordinator = User.objects.get(pk=world.user(COORDINATOR).pk)  # its scope not yet read
        with CaptureQueriesContext(connection) as queries:
            fund_transactions_record(batch, user=coordinator)
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 12, [q["sql"][:70] for q in queries]
    assert FundTransaction.objects.filter(pk__in=[e.pk for e in few + many]).count() == 210


@pytest.mark.django_db(transaction=True)
def test_a_batch_and_single_writers_at_once_keep_the_stages(world):
    """A batch relying on its own commitment, against single disbursements of the same project."""
    project = funded_project(world, allocation="100000.00")
    record(project, "commitment", "50000.00")

    def batch():
        return fund_transactions_record(
            [
                entry(project, "commitment", "50000.00"),
                *(entry(project, "disbursement", "20000.00") for _ in range(3)),
            ],
            user=None,
        )

    def single():
        return record(project, "disbursement", "30000.00")

    results = run_together([batch, single, single, single])
    # Whatever the order, the batch fits (at most one single came before it,
    # 30,000 + 60,000 ≤ 100,000) and exactly one single does.
    assert isinstance(results[0], list), results
    assert sum(isinstance(r, FundTransaction) for r in results[1:]) == 1, results
    assert sum(isinstance(r, ValidationError) for r in results[1:]) == 2, results
    assert stage_total("commitment", project=project) == Decimal("100000.00")
    assert stage_total("disbursement", project=project) == Decimal("90000.00")
