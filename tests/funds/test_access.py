"""Generated access tests for every funds model, with the exceptions the domain needs:
fund transactions are never changed, over-allocations are written by administrators."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import NoReverseMatch, reverse

from aidtrack.core.testing import (
    ADMIN,
    ANONYMOUS,
    COORDINATOR,
    LEADER,
    PARTNER,
    ROLES,
    ApiReadTests,
    BrowserReadTests,
    BrowserWriteTests,
    HistoryTests,
    ObjectAccessTests,
    expected_write,
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


class TestFundTransactionAccess(BrowserReadTests, BrowserWriteTests, HistoryTests, ApiReadTests):
    """Read and create like any record; changing or deleting an entry is never possible."""

    views = FundTransactionViews
    api_url = "api:fundtransaction"
    update_changes = {"note": "changed"}

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

    def test_browser_update(self, world):
        """There is no edit page, for anyone."""
        with pytest.raises(NoReverseMatch):
            reverse("funds:fundtransaction_edit", args=[1])

    def test_browser_delete(self, world):
        """There is no delete page, for anyone."""
        with pytest.raises(NoReverseMatch):
            reverse("funds:fundtransaction_delete", args=[1])

    @pytest.mark.parametrize("role", ROLES)
    def test_api_create(self, world, role):
        for in_scope in (True, False):
            before = FundTransaction.objects.count()
            response = self.api(world, role).post(
                self.api_url_for(), self.create_data(world, in_scope), format="json"
            )
            expect = expected_write(role, in_scope)
            expected_status = {200: 201, 404: 400}.get(expect.api, expect.api)
            assert response.status_code == expected_status, response.content
            assert FundTransaction.objects.count() == before + (1 if expect.changes else 0)

    @pytest.mark.parametrize("method", ["put", "patch", "delete"])
    @pytest.mark.parametrize("role", ROLES)
    def test_api_never_changes_or_deletes(self, world, role, method):
        entry = self.make_object(world, in_scope=True)
        response = getattr(self.api(world, role), method)(
            self.api_url_for(entry), {"note": "changed", "amount": "1.00"}, format="json"
        )
        expected = {ANONYMOUS: 401, PARTNER: 403, LEADER: 403}.get(role, 405)
        assert response.status_code == expected
        fresh = FundTransaction.objects.get(pk=entry.pk)
        assert (fresh.note, fresh.amount) == (entry.note, entry.amount)

    def test_detail_offers_no_edit_or_delete(self, world):
        entry = self.make_object(world, in_scope=True)
        response = self.browser(world, ADMIN).get(self.url("detail", entry))
        assert response.context["can"]["change"] is False
        assert response.context["can"]["delete"] is False
        assert response.context["can_reverse"] is True
        assert b"/edit/" not in response.content


class TestOverAllocationAccess(BrowserReadTests, HistoryTests, ApiReadTests):
    """Everyone in scope reads; only administrators approve and withdraw."""

    views = OverAllocationViews
    api_url = "api:overallocation"

    def make_object(self, world, in_scope, index=0):
        return over_allocation_approve(
            pairing=pairing_for(world, in_scope),
            year=_year(in_scope, index),
            amount=Decimal("500000.00"),
            reason="应急项目追加",
            user=world.user(ADMIN),
        )

    def create_data(self, world, in_scope):
        return {
            "pairing": pairing_for(world, in_scope).pk,
            "year": 2024,
            "amount": "800000.00",
            "reason": "灾后重建追加",
        }

    @pytest.mark.parametrize("role", ROLES)
    def test_browser_create(self, world, role):
        before = OverAllocation.objects.count()
        response = self.browser(world, role).post(self.url("add"), self.create_data(world, True))
        expected = {ADMIN: 302, ANONYMOUS: 302}.get(role, 403)
        assert response.status_code == expected
        created = OverAllocation.objects.count() - before
        assert created == (1 if role == ADMIN else 0)
        if created:
            assert OverAllocation.objects.latest("id").approved_by == world.user(ADMIN)

    @pytest.mark.parametrize("role", ROLES)
    def test_api_create(self, world, role):
        before = OverAllocation.objects.count()
        response = self.api(world, role).post(
            self.api_url_for(), self.create_data(world, True), format="json"
        )
        expected = {ADMIN: 201, ANONYMOUS: 401}.get(role, 403)
        assert response.status_code == expected, response.content
        assert OverAllocation.objects.count() - before == (1 if role == ADMIN else 0)

    @pytest.mark.parametrize("role", ROLES)
    def test_browser_and_api_withdraw(self, world, role):
        approval = self.make_object(world, in_scope=True)
        response = self.browser(world, role).post(self.url("delete", approval))
        assert response.status_code == {ADMIN: 302, ANONYMOUS: 302}.get(role, 403)
        again = self.make_object(world, in_scope=True, index=1)
        answer = self.api(world, role).delete(self.api_url_for(again))
        assert answer.status_code == {ADMIN: 204, ANONYMOUS: 401}.get(role, 403)
        remaining = set(OverAllocation.objects.values_list("pk", flat=True))
        if role == ADMIN:
            assert not remaining & {approval.pk, again.pk}
        else:
            assert {approval.pk, again.pk} <= remaining

    def test_coordinator_sees_no_add_button(self, world):
        self.make_object(world, in_scope=True)
        response = self.browser(world, COORDINATOR).get(self.url("list"))
        assert response.context["can"]["add"] is False
        assert reverse("funds:overallocation_add").encode() not in response.content
