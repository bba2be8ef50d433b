"""The demo reproduces the seed articles' figures, through the selectors and the API.

Loading the regions and the demo takes seconds, so one test loads it once and
runs every check on it (each check a function of its own).
"""

from collections import defaultdict
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from accounts.choices import Role
from accounts.services import api_token_create
from funds.demo import demo_load as funds_demo_load
from funds.models import (
    ConsumptionSupport,
    Donation,
    FundAllocation,
    FundTransaction,
    Investment,
    InvestmentTranche,
    Park,
)
from funds.selectors import funds_summary, pairing_year_balance, project_stage_totals
from pairings.demo import demo_load as pairings_demo_load
from pairings.models import Pairing
from tests.factories import ProjectFactory, UserFactory

pytestmark = pytest.mark.xdist_group("demo")

YEARS = (2021, 2022, 2023)
FISCAL_AID = Decimal("504000000.00")  # 5.04亿元
IN_PLACE = Decimal("3591000000.00")  # 35.91亿元
MODELS = (
    FundAllocation,
    FundTransaction,
    Donation,
    Investment,
    InvestmentTranche,
    Park,
    ConsumptionSupport,
)


def _demo_projects(pairings):
    """Stand-ins for the projects app's demo: 204 projects in the 中山 tree, 2021–2023."""
    for year, count in zip(YEARS, (62, 68, 74), strict=True):
        for index in range(count):
            pairing = pairings["zsg-sc"] if index % 6 == 0 else pairings["zs-lps"]
            ProjectFactory(pairing=pairing, year=year, budget=Decimal(100_000 * (1 + index % 9)))


def test_demo_reproduces_the_seeds(regions_loaded):
    pairings = pairings_demo_load()
    _demo_projects(pairings)
    demo = pairings, funds_demo_load(pairings)
    check_selectors_give_the_seed_figures(demo)
    check_api_gives_the_seed_figures(demo)
    check_every_project_is_funded_within_the_rules(demo)
    check_execution_is_realistic(demo)
    check_social_support_of_tianhe_and_nansha(demo)
    check_enterprises_and_parks(demo)
    check_demo_is_idempotent(demo)


def tree(pairings, key="zs-lps"):
    return Pairing.objects.descendant_ids([pairings[key].pk])


def check_selectors_give_the_seed_figures(demo):
    pairings, summary = demo
    summaries = [funds_summary(tree(pairings), year) for year in YEARS]
    assert sum(s["allocated"] for s in summaries) == FISCAL_AID
    assert sum(s["investment_in_place"] for s in summaries) == IN_PLACE
    assert sum(s["enterprises"] for s in summaries) == 60
    assert (summaries[-1]["parks_agricultural"], summaries[-1]["parks_industrial"]) == (3, 3)
    assert "5.04" in summary and "35.91" in summary


def check_api_gives_the_seed_figures(demo):
    pairings, _summary = demo
    admin = UserFactory(username="demo-admin", role=Role.ADMINISTRATOR)
    _token, key = api_token_create(user=admin, can_write=False, days=1)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    city = pairings["zs-lps"].pk
    allocated = Decimal(0)
    for year in YEARS:
        rows = client.get(
            "/api/v1/fund-allocations/", {"pairing": city, "year": year, "page_size": 500}
        ).json()["results"]
        allocated += sum(Decimal(row["amount"]) for row in rows)
    assert allocated == FISCAL_AID
    investments = client.get("/api/v1/investments/", {"pairing": city, "page_size": 500}).json()
    assert investments["next"] is None
    rows = investments["results"]
    assert sum(Decimal(row["amount_in_place"]) for row in rows) == IN_PLACE
    assert len({row["enterprise"] for row in rows}) == 60
    in_place_by_year = Decimal(0)
    for year in YEARS:
        tranches = client.get(
            "/api/v1/investment-tranches/", {"pairing": city, "year": year, "page_size": 500}
        ).json()["results"]
        in_place_by_year += sum(Decimal(row["amount"]) for row in tranches)
    assert in_place_by_year == IN_PLACE


def check_every_project_is_funded_within_the_rules(demo):
    pairings, _summary = demo
    projects = FundTransaction.objects.values_list("project", flat=True).distinct()
    assert projects.count() == 204
    for stages in project_stage_totals(projects).values():
        committed, disbursed, spent = (
            stages["commitment"],
            stages["disbursement"],
            stages["expenditure"],
        )
        assert committed > 0 and 0 <= spent <= disbursed <= committed
    for key in ("zs-lps", "zsg-sc"):
        for year in YEARS:
            balance = pairing_year_balance(pairings[key].pk, year)
            assert 0 < balance["committed"] <= balance["allowed"]


def check_execution_is_realistic(demo):
    pairings, _summary = demo
    rates = [funds_summary(tree(pairings), year)["execution_rate"] for year in YEARS]
    assert rates[0] > rates[1] > rates[2]
    assert rates[0] > 90 and rates[2] < 60  # 2023's projects are still under way


def check_social_support_of_tianhe_and_nansha(demo):
    pairings, _summary = demo
    qixingguan = Donation.objects.filter(pairing=pairings["th-xqg"])
    assert sum(d.amount for d in qixingguan) > Decimal(10_000_000)
    school = defaultdict(list)
    for donation in qixingguan.filter(recipient_name="青场镇青松村幸福小学"):
        school[donation.kind].append(donation.amount)
    assert sorted(school["in_kind"]) == [Decimal(80_000), Decimal(270_000)]
    shahe = qixingguan.get(donor_organization__name="天河区沙河街道办事处")
    assert shahe.amount == Decimal(130_000)
    (nansha,) = Donation.objects.filter(pairing=pairings["ns-gd"])
    assert nansha.amount == Decimal(1_010_000) and nansha.date.year == 2018


def check_enterprises_and_parks(demo):
    """Zhongshan enterprises, parks in Liupanshui, and the Haizhu shop window."""
    for investment in Investment.objects.select_related("enterprise__region"):
        assert investment.enterprise.kind == "enterprise"
        assert investment.enterprise.region.code.startswith("4420")
        investment.full_clean()
        assert investment.amount_in_place <= investment.amount_agreed
    for park in Park.objects.select_related("region"):
        park.full_clean()
        assert park.region.code.startswith("5202")
    assert ConsumptionSupport.objects.filter(channel__contains="海珠区").exists()


def check_demo_is_idempotent(demo):
    pairings, _summary = demo
    before = {model: model.objects.count() for model in MODELS}
    funds_demo_load(pairings)
    assert {model: model.objects.count() for model in MODELS} == before


def test_without_projects_the_rest_still_loads(regions_loaded):
    pairings = pairings_demo_load()
    summary = funds_demo_load(pairings)
    assert "0 transactions" in summary
    total = sum(funds_summary(tree(pairings), year)["allocated"] for year in YEARS)
    assert total == FISCAL_AID
    assert Investment.objects.count() == 60
