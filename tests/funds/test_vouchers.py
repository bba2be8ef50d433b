"""A voucher number is a fund transaction's natural key per project and kind.

A retried entry (a POST repeated after a timeout) is refused with 409 naming
the entry already recorded, the form links to it, the service refuses it;
blank vouchers and reversals (which carry the voucher they cancel) repeat.
"""

from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from aidtrack.core import natural_keys
from aidtrack.core.testing import ADMIN, COORDINATOR
from funds.models import FundTransaction
from funds.services import fund_transaction_reverse
from tests.funds.conftest import funded_project, record

API_URL = "/api/v1/fund-transactions/"


def entry(project, **changes):
    data = {
        "project": project.pk,
        "kind": "commitment",
        "date": "2023-03-01",
        "amount": "1000.00",
        "voucher_number": "记-7",
    }
    data.update(changes)
    return data


@pytest.fixture
def project(world):
    return funded_project(world, allocation="1000000.00")


def test_a_duplicate_over_the_api_is_a_409_naming_the_existing_entry(world, project, api_as):
    first = api_as(COORDINATOR).post(API_URL, entry(project), format="json")
    assert first.status_code == 201
    again = api_as(COORDINATOR).post(API_URL, entry(project), format="json")
    assert again.status_code == 409, again.content
    body = again.json()
    assert body["code"] == "duplicate" and body["message"]
    assert body["existing"] == {
        "id": first.json()["id"],
        "url": f"http://testserver{API_URL}{first.json()['id']}/",
    }
    assert FundTransaction.objects.count() == 1


def test_another_kind_or_project_or_a_blank_voucher_may_repeat(world, project, api_as):
    client = api_as(ADMIN)
    other = funded_project(world, allocation=None)
    assert client.post(API_URL, entry(project), format="json").status_code == 201
    assert client.post(API_URL, entry(other), format="json").status_code == 201
    disbursement = entry(project, kind="disbursement", amount="10.00")
    assert client.post(API_URL, disbursement, format="json").status_code == 201
    for _ in range(2):
        blank = entry(project, voucher_number="", amount="5.00")
        assert client.post(API_URL, blank, format="json").status_code == 201
    assert FundTransaction.objects.count() == 5


def test_a_reversal_carries_the_voucher_it_cancels(world, project):
    original = record(project, "commitment", "1000.00", voucher_number="记-9")
    reversal = fund_transaction_reverse(
        original, date=original.date, note="录入错误", user=world.user(ADMIN)
    )
    assert reversal.voucher_number == "记-9"


def test_the_service_and_the_database_refuse_a_duplicate(world, project):
    first = record(project, "commitment", "1000.00", voucher_number="记-8")
    with pytest.raises(natural_keys.DuplicateRecord) as refused:
        record(project, "commitment", "1000.00", voucher_number="记-8")
    assert refused.value.existing == first
    assert isinstance(refused.value, ValidationError)  # every caller of ValidationError copes
    clone = FundTransaction(
        project=project, kind="commitment", date=first.date, amount=1, voucher_number="记-8"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        clone.save()


def test_the_form_links_to_the_existing_entry(world, project, client):
    first = record(project, "commitment", "1000.00", voucher_number="记-7")
    client.force_login(world.user(COORDINATOR))
    response = client.post("/funds/transactions/add/", entry(project))
    assert response.status_code == 400
    assert f'href="{first.get_absolute_url()}"' in response.content.decode()
    assert FundTransaction.objects.count() == 1


def test_a_caller_who_cannot_see_the_existing_entry_is_not_told_its_id(world):
    outside = funded_project(world, in_scope=False, allocation="1000000.00")
    existing = record(outside, "commitment", "1000.00", voucher_number="记-1")
    duplicate = FundTransaction(
        project=outside, kind="commitment", date=existing.date, amount=1, voucher_number="记-1"
    )
    with pytest.raises(natural_keys.DuplicateRecord) as refused:
        duplicate.full_clean()
    coordinator = SimpleNamespace(user=world.user(COORDINATOR), build_absolute_uri=str)
    body = natural_keys.duplicate_response(refused.value, coordinator).data
    assert body["code"] == "duplicate" and body["message"] and "existing" not in body
    admin = SimpleNamespace(user=world.user(ADMIN), build_absolute_uri=str)
    assert natural_keys.duplicate_response(refused.value, admin).data["existing"]["id"] == (
        existing.pk
    )
    linked = natural_keys.linked_errors(refused.value, world.user(COORDINATOR))
    assert "href" not in " ".join(linked.messages)


def test_every_declared_natural_key_has_its_constraint():
    from django.apps import apps

    declared = [m for m in apps.get_models() if getattr(m, "natural_keys", ())]
    assert {m.__name__ for m in declared} >= {"FundTransaction", "OutcomeReport"}
    for model in declared:
        assert len(natural_keys.constraints_of(model)) == len(model.natural_keys)
