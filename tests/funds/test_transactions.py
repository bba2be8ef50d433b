"""The rules of fund transactions, in the service, the form and the API.

Every refusal leaves the database as it was and says why.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from aidtrack.core.testing import ADMIN, COORDINATOR
from funds.models import FundAllocation, FundTransaction, OverAllocation
from funds.selectors import pairing_year_balance, project_funds
from funds.services import (
    fund_allocation_delete,
    fund_allocation_save,
    fund_transaction_record,
    fund_transaction_reverse,
    over_allocation_approve,
    over_allocation_withdraw,
)
from tests.factories import ProjectFactory
from tests.funds.conftest import allocate, funded_project, record

ADD_URL = "/funds/transactions/add/"
API_URL = "/api/v1/fund-transactions/"


def form_data(project, **changes):
    data = {
        "project": project.pk,
        "kind": "commitment",
        "date": "2023-03-01",
        "amount": "100000.00",
        "voucher_number": "记-001",
    }
    data.update(changes)
    return data


@pytest.fixture
def project(world):
    """A 2023 project of the coordinator's pairing with 100万 committed and 60万 disbursed."""
    project = funded_project(world, allocation="1000000.00")
    record(project, "commitment", "1000000.00")
    record(project, "disbursement", "600000.00")
    return project


def totals(project):
    figures = project_funds(project)
    return figures["committed"], figures["disbursed"], figures["spent"]


class TestStages:
    def test_totals_and_execution_rate(self, world, project):
        record(project, "expenditure", "250000.00")
        figures = project_funds(project)
        assert figures["committed"] == Decimal("1000000.00")
        assert figures["disbursed"] == Decimal("600000.00")
        assert figures["spent"] == Decimal("250000.00")
        assert figures["execution_rate"] == Decimal("25.00")

    def test_over_disbursement_refused(self, world, project):
        with pytest.raises(ValidationError) as excinfo:
            record(project, "disbursement", "400000.01")
        assert "amount" in excinfo.value.message_dict
        record(project, "disbursement", "400000.00")  # exactly up to the commitments
        assert totals(project)[1] == Decimal("1000000.00")

    def test_over_expenditure_refused(self, world, project):
        with pytest.raises(ValidationError) as excinfo:
            record(project, "expenditure", "600000.01")
        assert "spent" in str(excinfo.value) or "支出" in str(excinfo.value)
        assert totals(project)[2] == 0

    def test_commitments_within_the_pairing_years_allocations(self, world):
        project = funded_project(world, allocation="500000.00")
        other = ProjectFactory(pairing=project.pairing, year=2023)
        record(project, "commitment", "300000.00")
        with pytest.raises(ValidationError) as excinfo:
            record(other, "commitment", "200000.01")
        assert excinfo.value.code == "over_allocated"
        record(other, "commitment", "200000.00")
        balance = pairing_year_balance(project.pairing_id, 2023)
        assert balance["committed"] == balance["allowed"] == Decimal("500000.00")

    def test_another_years_allocation_does_not_count(self, world):
        project = funded_project(world, year=2022, allocation=None)
        allocate(project.pairing, 2023, "900000.00")
        with pytest.raises(ValidationError):
            record(project, "commitment", "1.00")

    def test_administrators_over_allocation_allows_more(self, world):
        project = funded_project(world, allocation="500000.00")
        with pytest.raises(ValidationError):
            record(project, "commitment", "700000.00")
        # Who may approve is the model's write roles (tested in test_access); the
        # service asks for a reason and records the approver.
        with pytest.raises(ValidationError) as excinfo:
            over_allocation_approve(approval(project, "  "), user=world.user(ADMIN))
        assert "reason" in excinfo.value.message_dict
        approved = over_allocation_approve(
            approval(project, "灾后重建,经市政府同意追加"), user=world.user(ADMIN)
        )
        assert approved.approved_by == world.user(ADMIN)
        record(project, "commitment", "700000.00")
        # The approval now backs commitments: it cannot be withdrawn.
        with pytest.raises(ValidationError):
            over_allocation_withdraw(approved, user=world.user(ADMIN))

    def test_allocation_cannot_shrink_below_the_commitments(self, world, project):
        allocation = project.pairing.fund_allocations.get(year=2023)
        allocation.amount = Decimal("999999.99")
        with pytest.raises(ValidationError):
            fund_allocation_save(allocation=allocation)
        with pytest.raises(ValidationError):
            allocation.refresh_from_db()
            allocation.year = 2024  # moving it away leaves 2023 uncovered
            fund_allocation_save(allocation=allocation)
        with pytest.raises(ValidationError):
            fund_allocation_delete(allocation=allocation)
        allocation = FundAllocation.objects.get(pk=allocation.pk)
        assert (allocation.year, allocation.amount) == (2023, Decimal("1000000.00"))

    def test_amount_must_be_positive(self, world, project):
        for amount in ("0", "-5.00"):
            with pytest.raises(ValidationError) as excinfo:
                record(project, "disbursement", amount)
            assert "amount" in excinfo.value.message_dict

    def test_float_is_refused_outright(self, world, project):
        with pytest.raises(TypeError):
            fund_transaction_record(
                FundTransaction(
                    project=project, kind="expenditure", amount=1.5, date=date(2023, 1, 1)
                ),
                user=None,
            )

    def test_the_database_refuses_a_negative_entry_without_reversal(self, world, project):
        with pytest.raises(IntegrityError):
            FundTransaction.objects.create(
                project=project, kind="expenditure", amount=Decimal("-1.00"), date=date(2023, 1, 1)
            )


def approval(project, reason) -> OverAllocation:
    return OverAllocation(
        pairing=project.pairing, year=2023, amount=Decimal("200000.00"), reason=reason
    )


class TestReversals:
    def test_reversal_cancels_an_entry(self, world, project):
        disbursement = project.fund_transactions.get(kind="disbursement")
        reversal = fund_transaction_reverse(
            entry=disbursement, date=date(2023, 4, 1), note="金额录错", user=world.user(COORDINATOR)
        )
        assert reversal.amount == Decimal("-600000.00")
        assert reversal.kind == "disbursement" and reversal.reverses == disbursement
        assert totals(project) == (Decimal("1000000.00"), 0, 0)
        disbursement.refresh_from_db()
        assert disbursement.amount == Decimal("600000.00")  # the original is untouched

    def test_reversal_cannot_fall_below_the_next_stage(self, world, project):
        commitment = project.fund_transactions.get(kind="commitment")
        with pytest.raises(ValidationError) as excinfo:
            fund_transaction_reverse(entry=commitment, date=date(2023, 4, 1), user=None)
        assert "disbursed" in str(excinfo.value) or "拨付" in str(excinfo.value)
        assert FundTransaction.objects.filter(reverses__isnull=False).count() == 0

    def test_reversal_only_once_and_never_of_a_reversal(self, world, project):
        disbursement = project.fund_transactions.get(kind="disbursement")
        reversal = fund_transaction_reverse(entry=disbursement, date=date(2023, 4, 1), user=None)
        with pytest.raises(ValidationError):
            fund_transaction_reverse(entry=disbursement, date=date(2023, 4, 2), user=None)
        with pytest.raises(ValidationError):
            fund_transaction_reverse(entry=reversal, date=date(2023, 4, 2), user=None)
        assert project.fund_transactions.count() == 3

    def test_reversal_must_carry_the_negated_amount(self, world, project):
        disbursement = project.fund_transactions.get(kind="disbursement")
        with pytest.raises(ValidationError) as excinfo:
            record(project, "disbursement", "-100.00", reverses=disbursement)
        assert "amount" in excinfo.value.message_dict

    def test_reverse_page(self, world, project, client):
        client.force_login(world.user(COORDINATOR))
        disbursement = project.fund_transactions.get(kind="disbursement")
        url = f"/funds/transactions/{disbursement.pk}/reverse/"
        assert client.get(url).status_code == 200
        response = client.post(url, {"date": "2023-04-01", "note": "重复录入"})
        assert response.status_code == 302
        assert totals(project)[1] == 0
        again = client.post(url, {"date": "2023-04-02", "note": "再次"})
        assert again.status_code == 409  # already reversed: the entry's state refuses it
        assert project.fund_transactions.count() == 3

    def test_reverse_api(self, world, project, api_as):
        disbursement = project.fund_transactions.get(kind="disbursement")
        url = f"{API_URL}{disbursement.pk}/reverse/"
        response = api_as(COORDINATOR).post(url, {"date": "2023-04-01", "note": "错账"}, "json")
        assert response.status_code == 201, response.content
        assert response.json()["amount"] == "-600000.00"
        assert response.json()["reverses"] == disbursement.pk
        refused = api_as(COORDINATOR).post(url, {"date": "2023-04-01", "note": "x"}, "json")
        assert refused.status_code == 409 and refused.json()["code"] == "conflict"

    def test_reversing_another_pairings_entry_is_404(self, world, api_as, client):
        outside = funded_project(world, in_scope=False)
        entry = record(outside, "commitment", "1000.00")
        response = api_as(COORDINATOR).post(
            f"{API_URL}{entry.pk}/reverse/", {"date": "2023-04-01", "note": "x"}, "json"
        )
        assert response.status_code == 404
        client.force_login(world.user(COORDINATOR))
        page = client.post(
            f"/funds/transactions/{entry.pk}/reverse/", {"date": "2023-04-01", "note": "x"}
        )
        assert page.status_code == 404
        assert FundTransaction.objects.count() == 1


# Bad input: (what is posted, the field whose error explains it)
BAD_INPUT = {
    "over-disbursement": ({"kind": "disbursement", "amount": "400000.01"}, "amount"),
    "over-expenditure": ({"kind": "expenditure", "amount": "600000.01"}, "amount"),
    "negative": ({"kind": "expenditure", "amount": "-100.00"}, "amount"),
    "zero": ({"kind": "expenditure", "amount": "0"}, "amount"),
    "not a number": ({"kind": "expenditure", "amount": "一百万"}, "amount"),
    "three decimals": ({"kind": "expenditure", "amount": "100.001"}, "amount"),
    "empty": ({"kind": "expenditure", "amount": ""}, "amount"),
    "too many digits": ({"kind": "commitment", "amount": "12345678901234567.00"}, "amount"),
    "over-allocated": ({"kind": "commitment", "amount": "1.00"}, None),
    "unknown kind": ({"kind": "refund", "amount": "1.00"}, "kind"),
}


class TestBadInputSavesNothing:
    @pytest.mark.parametrize("case", BAD_INPUT, ids=list(BAD_INPUT))
    def test_form(self, world, project, client, case):
        changes, field = BAD_INPUT[case]
        client.force_login(world.user(COORDINATOR))
        before = FundTransaction.objects.count()
        response = client.post(ADD_URL, form_data(project, **changes))
        assert response.status_code == 400
        form = response.context["form"]
        assert form.errors
        if field:
            assert field in form.errors, form.errors
        else:
            assert form.non_field_errors()
        assert FundTransaction.objects.count() == before

    @pytest.mark.parametrize("case", BAD_INPUT, ids=list(BAD_INPUT))
    def test_api(self, world, project, api_as, case):
        changes, field = BAD_INPUT[case]
        before = FundTransaction.objects.count()
        response = api_as(COORDINATOR).post(API_URL, form_data(project, **changes), format="json")
        assert response.status_code == 400, response.content
        body = response.json()
        assert body["code"] == "invalid" and body["message"]
        assert (field or "non_field_errors") in body["errors"], body
        assert FundTransaction.objects.count() == before

    def test_api_json_number_is_accepted_only_as_exact_decimal(self, world, project, api_as):
        """A JSON number is parsed by DRF as a decimal string, never through float."""
        response = api_as(COORDINATOR).post(
            API_URL, {**form_data(project, kind="expenditure"), "amount": 0.1}, format="json"
        )
        assert response.status_code == 201, response.content
        assert FundTransaction.objects.get(pk=response.json()["id"]).amount == Decimal("0.10")

    def test_another_pairings_project_is_refused(self, world, api_as, client):
        outside = funded_project(world, in_scope=False)
        client.force_login(world.user(COORDINATOR))
        response = client.post(ADD_URL, form_data(outside))
        assert response.status_code == 400 and "project" in response.context["form"].errors
        answer = api_as(COORDINATOR).post(API_URL, form_data(outside), format="json")
        assert answer.status_code == 400 and "project" in answer.json()["errors"]
        assert not FundTransaction.objects.exists()

    def test_service_refuses_a_project_outside_the_users_scope(self, world):
        outside = funded_project(world, in_scope=False)
        with pytest.raises(ValidationError) as excinfo:
            record(outside, "commitment", "1.00", user=world.user(COORDINATOR))
        assert "project" in excinfo.value.message_dict
        assert not FundTransaction.objects.exists()

    def test_valid_entry_is_recorded_with_its_author(self, world, project, client):
        client.force_login(world.user(COORDINATOR))
        response = client.post(ADD_URL, form_data(project, kind="expenditure", amount="150000.00"))
        assert response.status_code == 302
        entry = FundTransaction.objects.get(kind="expenditure")
        assert entry.created_by == world.user(COORDINATOR)
        assert entry.amount == Decimal("150000.00")
