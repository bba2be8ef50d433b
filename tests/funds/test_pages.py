"""List totals and exports, the project funds section and the pairing hub's funds tab."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from openpyxl import load_workbook

from aidtrack.core.testing import COORDINATOR, LEADER
from funds.apps import FundsConfig
from funds.models import Donation, FundAllocation
from funds.views import project_funds_tab
from tests.factories import ProjectFactory
from tests.funds.conftest import allocate, funded_project, in_place, investment, record


def in_chinese(text: str) -> str:
    """Exports speak the interface language, Chinese by default."""
    with translation.override("zh-hans"):
        return translation.gettext(text)


ALLOCATIONS = "/funds/allocations/"
TRANSACTIONS = "/funds/transactions/"


@pytest.fixture
def browser(world, client):
    client.force_login(world.user(COORDINATOR))
    return client


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


class TestTotals:
    def test_totals_cover_every_filtered_row_not_just_the_page(self, world, browser):
        pairing = world.in_scope_pairing
        for index in range(30):
            allocate(pairing, 2023, f"{100000 + index}.00")
        allocate(pairing, 2022, "7777777.00")  # filtered out by the year
        response = browser.get(ALLOCATIONS, {"year": 2023})
        assert len(response.context["rows"]) == 25  # one page
        totals = {column.accessor: value for column, value in response.context["totals"]}
        assert totals["amount"] == sum(Decimal(100000 + i) for i in range(30))
        assert totals["year"] is None
        html = response.content.decode()
        assert "300.04" in html  # 3,000,435 yuan shown as 万元
        assert 'title="3,000,435.00' in html  # the exact amount on hover

    def test_transaction_ledger_totals_each_stage(self, world, browser):
        project = funded_project(world, allocation="500000.00")
        record(project, "commitment", "500000.00")
        record(project, "disbursement", "300000.00")
        record(project, "expenditure", "120000.50")
        response = browser.get(TRANSACTIONS, {"pairing": world.pairings["zs-lps"].pk})
        totals = {column.accessor: value for column, value in response.context["totals"]}
        assert totals["committed_amount"] == Decimal("500000.00")
        assert totals["disbursed_amount"] == Decimal("300000.00")
        assert totals["spent_amount"] == Decimal("120000.50")
        filtered = browser.get(TRANSACTIONS, {"kind": "expenditure"})
        totals = {column.accessor: value for column, value in filtered.context["totals"]}
        assert totals["committed_amount"] == 0 and totals["spent_amount"] == Decimal("120000.50")

    def test_csv_export_ends_with_the_totals(self, world, browser):
        for amount in ("1000000.00", "2500000.50"):
            allocate(world.in_scope_pairing, 2023, amount)
        allocate(world.out_of_scope_pairing, 2023, "9000000.00")  # not the coordinator's
        response = browser.get(ALLOCATIONS, {"export": "csv", "year": 2023})
        rows = list(csv.reader(io.StringIO(_body(response).decode("utf-8-sig"))))
        amount_column = rows[0].index(in_chinese("amount (yuan)"))
        assert len(rows) == 4  # header, two allocations, totals
        assert rows[-1][0] == in_chinese("Total")
        assert rows[-1][amount_column] == "3500000.50"

    def test_xlsx_export_has_numeric_totals(self, world, browser):
        project = funded_project(world, allocation="800000.00")
        record(project, "commitment", "800000.00")
        record(project, "disbursement", "250000.25")
        response = browser.get(TRANSACTIONS, {"export": "xlsx"})
        sheet = load_workbook(io.BytesIO(_body(response))).active
        rows = list(sheet.iter_rows(values_only=True))
        header, last = rows[0], rows[-1]
        assert last[0] == in_chinese("Total")
        committed = last[header.index(in_chinese("committed (yuan)"))]
        disbursed = last[header.index(in_chinese("disbursed (yuan)"))]
        assert Decimal(str(committed)) == Decimal("800000.00")
        assert Decimal(str(disbursed)) == Decimal("250000.25")

    def test_list_filters_include_pairings_below(self, world, browser):
        allocate(world.pairings["zs-lps"], 2023, "1000.00")
        allocate(world.pairings["zsg-sc"], 2023, "2000.00")
        response = browser.get(ALLOCATIONS, {"pairing": world.pairings["zs-lps"].pk})
        assert len(response.context["rows"]) == 2
        response = browser.get(ALLOCATIONS, {"pairing": world.pairings["zsg-sc"].pk})
        assert len(response.context["rows"]) == 1


class TestProjectFunds:
    def test_context_function_and_template(self, world):
        project = funded_project(world, allocation="1000000.00")
        record(project, "commitment", "1000000.00")
        record(project, "disbursement", "800000.00")
        record(project, "expenditure", "450000.00")
        request = RequestFactory().get("/")
        request.user = world.user(COORDINATOR)
        context = project_funds_tab(request, project)
        assert context["project_funds"]["execution_rate"] == Decimal("45.00")
        assert len(context["fund_transactions"]) == 3
        assert context["can_record_transaction"] is True
        html = render_to_string("funds/project_funds.html", context, request=request)
        assert "100.00" in html and "45.00%" in html
        assert f"/funds/transactions/add/?project={project.pk}" in html

    def test_leader_reads_without_the_record_button(self, world):
        project = funded_project(world)
        request = RequestFactory().get("/")
        request.user = world.user(LEADER)
        context = project_funds_tab(request, project)
        assert context["can_record_transaction"] is False
        assert context["project_funds"]["execution_rate"] is None

    def test_declared_as_a_project_page_tab(self):
        (tab,) = FundsConfig.project_page_tabs
        assert (tab.key, tab.template) == ("funds", "funds/project_funds.html")
        assert tab.context_function is project_funds_tab

    def test_standalone_page_is_scoped(self, world, browser):
        inside = funded_project(world)
        outside = funded_project(world, in_scope=False)
        assert browser.get(f"/funds/projects/{inside.pk}/").status_code == 200
        assert browser.get(f"/funds/projects/{outside.pk}/").status_code == 404


class TestPairingHub:
    def url(self, world, key="zs-lps"):
        return world.pairings[key].get_absolute_url()

    def test_funds_tab_rolls_up_the_pairings_below(self, world, browser):
        city, county = world.pairings["zs-lps"], world.pairings["zsg-sc"]
        allocate(city, 2023, "3000000.00")
        allocate(county, 2023, "1000000.00")
        project = ProjectFactory(pairing=county, year=2023)
        record(project, "commitment", "1000000.00")
        record(project, "disbursement", "500000.00")
        record(project, "expenditure", "200000.00")
        Donation.objects.create(
            pairing=county,
            date=date(2023, 6, 1),
            kind="in_kind",
            donor_name="爱心企业",
            recipient_name="幸福小学",
            amount=Decimal("270000.00"),
            items="校服",
        )
        response = browser.get(self.url(world), {"tab": "funds", "year": 2023})
        assert response.status_code == 200
        funds = response.context["funds"]
        assert funds["allocated"] == Decimal("4000000.00")
        assert funds["execution_rate"] == Decimal("20.00")
        assert funds["donations_in_kind"] == Decimal("270000.00")
        html = response.content.decode()
        assert "400.00" in html  # 万元
        assert f"pairing={city.pk}&amp;year=2023" in html  # links to the rows behind the figures

    def test_year_is_selectable(self, world, browser):
        allocate(world.pairings["zs-lps"], 2022, "5000000.00")
        response = browser.get(self.url(world), {"tab": "funds", "year": 2022})
        assert response.context["funds_year"] == 2022
        assert response.context["funds"]["allocated"] == Decimal("5000000.00")
        allocate(world.pairings["zs-lps"], 2021, "1000000.00")
        # Without a usable year: the latest year with money.
        other = browser.get(self.url(world), {"tab": "funds", "year": "nonsense"})
        assert other.status_code == 200 and other.context["funds_year"] == 2022
        offered = other.context["funds_years"]
        assert {2021, 2022} <= set(offered) and offered == sorted(offered, reverse=True)
        empty = browser.get(self.url(world), {"tab": "funds", "year": 2019})
        assert empty.context["funds"]["allocated"] == 0

    def test_out_of_scope_hub_is_404(self, world, browser):
        assert browser.get(self.url(world, "th-xqg"), {"tab": "funds"}).status_code == 404

    def test_largest_investments_are_those_agreed_or_put_in_place_in_the_year(self, world, browser):
        agreed = investment(world, index=1, agreed_on=date(2023, 3, 1))
        # Agreed before, money put in place twice in the year: listed once.
        earlier = investment(world, index=2, agreed_on=date(2021, 3, 1))
        in_place(earlier, "100000.00", day=date(2023, 2, 1))
        in_place(earlier, "200000.00", day=date(2023, 8, 1))
        idle = investment(world, index=3, agreed_on=date(2021, 3, 1))
        in_place(idle, "100000.00", day=date(2022, 2, 1))
        response = browser.get(self.url(world), {"tab": "funds", "year": 2023})
        listed = list(response.context["funds_top_investments"])
        # In place first (300,000 against none), then by id.
        assert listed == [earlier, agreed]

    def test_query_count_does_not_grow(self, world, browser):
        county = world.pairings["zsg-sc"]

        def add_rows(count):
            for _ in range(count):
                allocate(county, 2023, "100000.00")
                project = ProjectFactory(pairing=county, year=2023)
                record(project, "commitment", "100000.00")
                investment(world, True, FundAllocation.objects.count(), agreed_on=date(2023, 1, 1))

        add_rows(1)
        browser.get(self.url(world), {"tab": "funds", "year": 2023})
        with CaptureQueriesContext(connection) as few:
            browser.get(self.url(world), {"tab": "funds", "year": 2023})
        add_rows(5)
        # The investors' new organisations moved the scope mark: the scope is read again, once.
        browser.get(self.url(world), {"tab": "funds", "year": 2023})
        with CaptureQueriesContext(connection) as many:
            browser.get(self.url(world), {"tab": "funds", "year": 2023})
        assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


class TestOtherRules:
    def test_in_kind_donation_needs_items_in_form_and_api(self, world, browser, api_as):
        data = {
            "pairing": world.in_scope_pairing.pk,
            "date": "2023-06-01",
            "kind": "in_kind",
            "donor_name": "爱心企业",
            "recipient_name": "幸福小学",
            "amount": "80000.00",
        }
        response = browser.post("/funds/donations/add/", data)
        assert response.status_code == 400 and "items" in response.context["form"].errors
        answer = api_as(COORDINATOR).post("/api/v1/donations/", data, format="json")
        assert answer.status_code == 400 and "items" in answer.json()["errors"]
        assert not Donation.objects.exists()

    def test_park_outside_the_helped_side_is_refused(self, world, browser):
        data = {
            "name": "工业园",
            "kind": "industrial",
            "pairing": world.in_scope_pairing.pk,
            "region": world.regions["lz"].code,  # 六枝, not 水城
        }
        response = browser.post("/funds/parks/add/", data)
        assert response.status_code == 400 and "region" in response.context["form"].errors

    def test_more_in_place_than_agreed_needs_a_note(self, world, browser, api_as):
        deal = investment(world, agreed="1000000.00")
        data = {"investment": deal.pk, "date": "2022-09-01", "amount": "1000000.01"}
        response = browser.post("/funds/investments-in-place/add/", data)
        assert response.status_code == 400 and "amount" in response.context["form"].errors
        answer = api_as(COORDINATOR).post("/api/v1/investment-tranches/", data, format="json")
        assert answer.status_code == 400 and "amount" in answer.json()["errors"]
        deal.refresh_from_db()
        assert deal.amount_in_place == 0 and not deal.tranches.exists()
        deal.over_agreed_note = "追加投资已签补充协议"
        deal.save()
        assert browser.post("/funds/investments-in-place/add/", data).status_code == 302
        deal.refresh_from_db()
        assert deal.amount_in_place == Decimal("1000000.01")

    def test_investment_edit_keeps_the_amount_in_place(self, world, api_as):
        deal = investment(world, agreed="1000000.00")
        api_as(COORDINATOR).post(
            "/api/v1/investment-tranches/",
            {"investment": deal.pk, "date": "2022-09-01", "amount": "600000.00"},
            format="json",
        )
        response = api_as(COORDINATOR).patch(
            f"/api/v1/investments/{deal.pk}/",
            {"industry": "农产品加工", "amount_in_place": "1.00"},
            format="json",
        )
        assert response.status_code == 200
        assert response.json()["amount_in_place"] == "600000.00"
        shrink = api_as(COORDINATOR).patch(
            f"/api/v1/investments/{deal.pk}/", {"amount_agreed": "500000.00"}, format="json"
        )
        assert shrink.status_code == 400 and "amount_agreed" in shrink.json()["errors"]

    def test_investment_needs_an_enterprise(self, world, api_as):
        from pairings.models import Organization

        bureau = Organization.objects.create(
            name="中山市协作办", kind="government", region=world.regions["zs"]
        )
        response = api_as(COORDINATOR).post(
            "/api/v1/investments/",
            {
                "enterprise": bureau.pk,
                "pairing": world.in_scope_pairing.pk,
                "industry": "文旅",
                "amount_agreed": "100.00",
                "agreed_on": "2023-01-01",
            },
            format="json",
        )
        assert response.status_code == 400 and "enterprise" in response.json()["errors"]
