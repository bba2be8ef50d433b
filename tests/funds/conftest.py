"""Builders for the funds tests: projects with allocations and money on them."""

from datetime import date
from decimal import Decimal

import pytest

from funds.models import FundAllocation, FundTransaction, Investment, InvestmentTranche
from funds.services import fund_transaction_record, investment_tranche_save
from pairings.models import Organization
from tests.factories import ProjectFactory


def pairing_for(world, in_scope=True):
    return world.in_scope_pairing if in_scope else world.out_of_scope_pairing


def allocate(pairing, year=2023, amount="1000000.00", **fields) -> FundAllocation:
    return FundAllocation.objects.create(
        pairing=pairing, year=year, amount=Decimal(amount), **fields
    )


def funded_project(world, in_scope=True, *, year=2023, allocation="1000000.00", **fields):
    """A project of the in-scope (or out-of-scope) pairing whose pairing-year has money."""
    pairing = pairing_for(world, in_scope)
    if allocation:
        allocate(pairing, year, allocation)
    return ProjectFactory(pairing=pairing, year=year, **fields)


def record(project, kind, amount, day=date(2023, 3, 1), user=None, **fields):
    entry = FundTransaction(project=project, kind=kind, amount=Decimal(amount), date=day, **fields)
    return fund_transaction_record(entry, user=user)


def enterprise(world, in_scope=True, index=0) -> Organization:
    region = world.regions["zs" if in_scope else "th"]
    return Organization.objects.get_or_create(
        name=f"测试企业{index}{'甲' if in_scope else '乙'}有限公司",
        region=region,
        defaults={"kind": "enterprise"},
    )[0]


def investment(world, in_scope=True, index=0, agreed="5000000.00", **fields) -> Investment:
    values = {
        "enterprise": enterprise(world, in_scope, index),
        "pairing": pairing_for(world, in_scope),
        "name": f"投资项目{index}",
        "industry": "食品加工",
        "amount_agreed": Decimal(agreed),
        "agreed_on": date(2022, 5, 1),
    }
    values.update(fields)
    return Investment.objects.create(**values)


def in_place(investment_, amount, day=date(2022, 9, 1)) -> InvestmentTranche:
    return investment_tranche_save(
        tranche=InvestmentTranche(investment=investment_, date=day, amount=Decimal(amount))
    )


@pytest.fixture
def api_as(world):
    """An API client authenticated with the role's write token."""
    from rest_framework.test import APIClient

    def make(role):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {world.token(role)}")
        return client

    return make
