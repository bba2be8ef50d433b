"""Generated access tests for every funds model. The domain's exceptions are declarations:
fund transactions offer only "add" and the "reverse" transition, over-allocations are written
by administrators (their write roles) and never edited."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from aidtrack.core.testing import (
    ADMIN,
    COORDINATOR,
    ObjectAccessTests,
    TransitionTests,
)
from funds.models import (
    ConsumptionSupport,
    Donation,
    FundTransaction,
    OverAllocation,
    Park,
)
from funds.services import over_allocation_approve
from funds.views import (
    ConsumptionSupportViews,
    DonationViews,
    FundAllocationViews,
    FundTransactionViews,
    InvestmentTrancheViews,
    InvestmentViews,
    OverAllocationViews,
    ParkViews,
)
from tests.funds.conftest import (
    allocate,
    enterprise,
    funded_project,
    in_place,
    investment,
    pairing_for,
    record,
)


def _year(in_scope, index):
    # Distinct first-column values in and out of scope (the export test looks for them).
    return (2023 if in_scope else 2005) - index


class TestFundAllocationAccess(ObjectAccessTests):
    views = FundAllocationViews
    api_url = "api:fundallocation"
    update_changes = {"purpose": "乡村建设"}

    def make_object(self, world, in_scope, index=0):
        return allocate(pairing_for(world, in_scope), _year(in_scope, index), "2000000.00")

    def create_data(self, world, in_scope):
        return {
            "pairing": pairing_for(world, in_scope).pk,
            "year": 2024,
            "source_level": "city",
            "amount": "3000000.00",
            "purpose": "产业发展",
        }


class TestDonationAccess(ObjectAccessTests):
    views = DonationViews
    api_url = "api:donation"
    update_changes = {"purpose": "助学"}

    def make_object(self, world, in_scope, index=0):
        return Donation.objects.create(
            pairing=pairing_for(world, in_scope),
            date=date(_year(in_scope, index), 6, 1),
            donor_name="爱心企业",
            recipient_name="幸福小学",
            amount=Decimal("80000.00"),
        )

    def create_data(self, world, in_scope):
        return {
            "pairing": pairing_for(world, in_scope).pk,
            "date": "2023-06-01",
            "kind": "in_kind",
            "donor_name": "广州爱心企业",
            "recipient_name": "青松村幸福小学",
            "amount": "270000.00",
            "items": "校服",
        }


class TestParkAccess(ObjectAccessTests):
    views = ParkViews
    api_url = "api:park"
    update_changes = {"description": "一县一园"}

    def make_object(self, world, in_scope, index=0):
        return Park.objects.create(
            name=f"{'水城' if in_scope else '七星关'}现代农业产业园{index}",
            kind="agricultural",
            pairing=pairing_for(world, in_scope),
            region=world.regions["sc" if in_scope else "xqg"],
            opened_on=date(2022, 5, 1),
        )

    def create_data(self, world, in_scope):
        return {
            "name": "新建工业园",
            "kind": "industrial",
            "pairing": pairing_for(world, in_scope).pk,
            "region": world.regions["sc" if in_scope else "xqg"].code,
            "opened_on": "2023-01-01",
        }


class TestInvestmentAccess(ObjectAccessTests):
    views = InvestmentViews
    api_url = "api:investment"
    update_changes = {"industry": "新能源"}

    def make_object(self, world, in_scope, index=0):
        return investment(world, in_scope, index)

    def create_data(self, world, in_scope):
        return {
            "enterprise": enterprise(world, in_scope, 90).pk,
            "pairing": pairing_for(world, in_scope).pk,
            "name": "水产养殖",
            "industry": "水产",
            "amount_agreed": "60000000.00",
            "agreed_on": "2023-04-01",
        }


class TestInvestmentTrancheAccess(ObjectAccessTests):
    views = InvestmentTrancheViews
    api_url = "api:investmenttranche"
    update_changes = {"note": "第二笔到位"}

    def make_object(self, world, in_scope, index=0):
        day = date(2022, 6 if in_scope else 8, index + 1)
        return in_place(investment(world, in_scope, index), "1000000.00", day)

    def create_data(self, world, in_scope):
        return {
            "investment": investment(world, in_scope, 91).pk,
            "date": "2023-02-01",
            "amount": "2500000.00",
        }


class TestConsumptionSupportAccess(ObjectAccessTests):
    views = ConsumptionSupportViews
    api_url = "api:consumptionsupport"
    update_changes = {"product": "瓮安红茶"}

    def make_object(self, world, in_scope, index=0):
        return ConsumptionSupport.objects.create(
            pairing=pairing_for(world, in_scope),
            channel="单位食堂",
            product="刺梨汁",
            amount=Decimal("120000.00"),
            year=_year(in_scope, index),
        )

    def create_data(self, world, in_scope):
        return {
            "pairing": pairing_for(world, in_scope).pk,
            "kind": "sold",
            "channel": "广州展销门店",
            "product": "瓮安特产",
            "amount": "500000.00",
            "year": 2023,
            "month": 9,
        }


class TestFundTransactionAccess(ObjectAccessTests, TransitionTests):
    """Recorded like any record, reversed by its transition; never changed or deleted."""

    views = FundTransactionViews
    api_url = "api:fundtransaction"
    update_changes = {"note": "changed"}
    steps = {"reverse": {"date": "2024-04-01", "note": "录入错误"}}

    def make_object(self, world, in_scope, index=0):
        project = funded_project(world, in_scope, year=_year(in_scope, index))
        return record(project, "commitment", "1000.00", day=date(_year(in_scope, index), 3, 1))

    def create_data(self, world, in_scope):
        project = funded_project(world, in_scope, year=2024)
        return {
            "project": project.pk,
            "kind": "commitment",
            "date": "2024-03-01",
            "amount": "50000.00",
            "voucher_number": "记-0001",
        }

    def assert_moved(self, record, transition):
        assert FundTransaction.objects.filter(reverses=record).count() == 1

    @pytest.mark.parametrize("role", (ADMIN, COORDINATOR))
    def test_an_entry_is_reversed_once(self, world, role):
        entry = self.make_object(world, in_scope=True)
        url = reverse("api:fundtransaction-reverse", args=[entry.pk])
        client = self.api(world, role)
        assert client.post(url, self.steps["reverse"], format="json").status_code == 201
        again = client.post(url, self.steps["reverse"], format="json")
        assert again.status_code == 409
        assert again.json()["code"] == "conflict"
        reversal = FundTransaction.objects.get(reverses=entry)
        url = reverse("api:fundtransaction-reverse", args=[reversal.pk])
        assert client.post(url, self.steps["reverse"], format="json").status_code == 409
        assert FundTransaction.objects.filter(project=entry.project).count() == 2

    def test_detail_offers_reverse_but_no_edit_or_delete(self, world):
        entry = self.make_object(world, in_scope=True)
        response = self.browser(world, ADMIN).get(self.url("detail", entry))
        assert response.context["can"]["change"] is False
        assert response.context["can"]["delete"] is False
        reverse_url = reverse("funds:fundtransaction_transition", args=[entry.pk, "reverse"])
        assert [url for url, _label in response.context["transition_links"]] == [reverse_url]
        assert b"/edit/" not in response.content


class TestOverAllocationAccess(ObjectAccessTests):
    """Everyone in scope reads; only administrators approve and withdraw (its write roles)."""

    views = OverAllocationViews
    api_url = "api:overallocation"
    update_changes = {"reason": "changed"}

    def make_object(self, world, in_scope, index=0):
        approval = OverAllocation(
            pairing=pairing_for(world, in_scope),
            year=_year(in_scope, index),
            amount=Decimal("500000.00"),
            reason="应急项目追加",
        )
        return over_allocation_approve(approval, user=world.user(ADMIN))

    def create_data(self, world, in_scope):
        return {
            "pairing": pairing_for(world, in_scope).pk,
            "year": 2024,
            "amount": "800000.00",
            "reason": "灾后重建追加",
        }

    def test_the_approver_is_recorded(self, world):
        response = self.browser(world, ADMIN).post(self.url("add"), self.create_data(world, True))
        assert response.status_code == 302
        assert OverAllocation.objects.latest("id").approved_by == world.user(ADMIN)

    def test_coordinator_sees_no_add_button(self, world):
        self.make_object(world, in_scope=True)
        response = self.browser(world, COORDINATOR).get(self.url("list"))
        assert response.context["can"]["add"] is False
        assert reverse("funds:overallocation_add").encode() not in response.content
