"""Dashboard selectors, checked against sums recomputed in Python from the raw rows."""

from datetime import date
from decimal import Decimal

import pytest

from aidtrack.core.rollup import Groups
from funds.models import (
    ConsumptionSupport,
    Donation,
    FundAllocation,
    FundTransaction,
    Investment,
    InvestmentTranche,
    Park,
)
from funds.selectors import (
    MONEY_KEYS,
    funds_growth,
    funds_summaries,
    funds_summary,
    rate,
)
from funds.services import fund_transaction_reverse
from pairings.models import Pairing
from tests import shared
from tests.factories import ProjectFactory
from tests.funds.conftest import allocate, in_place, investment, record

SUMMARY_KEYS = {
    *MONEY_KEYS,
    "execution_rate",
    "enterprises",
    "parks_agricultural",
    "parks_industrial",
}


@shared.layer("money")
def _money_layer(state):
    state["money"] = build_money(state["world"])


@pytest.fixture
def money(shared_state, world):
    """Two years of every kind of money in the 中山 tree, and some outside it;
    a shared layer (tests/shared.py)."""
    if shared_state is not None and "money" in shared_state:
        return shared_state["money"]
    return build_money(world)


def build_money(world):
    city, county, other = (world.pairings[key] for key in ("zs-lps", "zsg-sc", "th-xqg"))
    for pairing, year, amount in [
        (city, 2022, "3000000.00"),
        (county, 2022, "1000000.00"),
        (city, 2023, "4000000.00"),
        (county, 2023, "2500000.00"),
        (other, 2023, "9000000.00"),
    ]:
        allocate(pairing, year, amount)
    for pairing, year, committed, disbursed, spent in [
        (city, 2022, "2000000.00", "1800000.00", "1500000.00"),
        (county, 2022, "900000.00", "900000.00", "850000.00"),
        (city, 2023, "3000000.00", "2000000.00", "900000.00"),
        (county, 2023, "1000000.00", "600000.00", "100000.00"),
        (other, 2023, "5000000.00", "5000000.00", "5000000.00"),
    ]:
        project = ProjectFactory(pairing=pairing, year=year)
        record(project, "commitment", committed, date(year, 3, 1))
        wrong = record(project, "disbursement", "1.00", date(year, 4, 1))
        fund_transaction_reverse(entry=wrong, date=date(year, 4, 2), user=None)
        record(project, "disbursement", disbursed, date(year, 5, 1))
        # A 2022 project's money spent in 2023 still counts for programme year 2022.
        record(project, "expenditure", spent, date(year + 1, 1, 15))
    for pairing, day, kind, amount in [
        (city, date(2022, 5, 1), "cash", "100000.00"),
        (county, date(2023, 6, 1), "in_kind", "270000.00"),
        (county, date(2023, 6, 2), "in_kind", "80000.00"),
        (city, date(2023, 7, 1), "cash", "130000.00"),
        (other, date(2023, 7, 1), "cash", "999999.00"),
    ]:
        Donation.objects.create(
            pairing=pairing,
            date=day,
            kind=kind,
            donor_name="爱心企业",
            recipient_name="小学",
            amount=Decimal(amount),
            items="校服" if kind == "in_kind" else "",
        )
    first = investment(world, True, 1, agreed="50000000.00", agreed_on=date(2022, 3, 1))
    in_place(first, "20000000.00", date(2022, 8, 1))
    in_place(first, "25000000.00", date(2023, 2, 1))
    second = investment(world, True, 2, agreed="8000000.00", agreed_on=date(2023, 4, 1))
    in_place(second, "8000000.00", date(2023, 9, 1))
    third = investment(world, True, 1, agreed="3000000.00", agreed_on=date(2023, 5, 1))
    in_place(third, "1000000.00", date(2023, 6, 1))
    investment(world, False, 3, agreed="70000000.00", agreed_on=date(2023, 1, 1))
    for name, kind, opened in [
        ("六枝农业园", "agricultural", date(2022, 4, 1)),
        ("水城农业园", "agricultural", date(2023, 10, 1)),
        ("钟山工业园", "industrial", date(2021, 9, 1)),
        ("在建工业园", "industrial", None),
    ]:
        Park.objects.create(
            name=name, kind=kind, pairing=county, region=world.regions["sc"], opened_on=opened
        )
    for pairing, year, amount in [
        (city, 2022, "600000.00"),
        (city, 2023, "900000.00"),
        (county, 2023, "300000.00"),
    ]:
        ConsumptionSupport.objects.create(
            pairing=pairing, channel="食堂", product="刺梨", amount=Decimal(amount), year=year
        )
    return Pairing.objects.descendant_ids([city.pk])


def expected(pairing_ids, year) -> dict:
    """The summary recomputed row by row, without the ORM's aggregates."""

    def total(rows):
        return sum((row.amount for row in rows), Decimal(0))

    entries = [
        e
        for e in FundTransaction.objects.select_related("project")
        if e.project.pairing_id in pairing_ids and e.project.year == year
    ]
    donations = [
        d for d in Donation.objects.all() if d.pairing_id in pairing_ids and d.date.year == year
    ]
    investments = [
        i
        for i in Investment.objects.all()
        if i.pairing_id in pairing_ids and i.agreed_on.year == year
    ]
    tranches = [
        t
        for t in InvestmentTranche.objects.select_related("investment")
        if t.investment.pairing_id in pairing_ids and t.date.year == year
    ]
    parks = [
        p
        for p in Park.objects.all()
        if p.pairing_id in pairing_ids and p.opened_on and p.opened_on.year <= year
    ]
    committed = total(e for e in entries if e.kind == "commitment")
    spent = total(e for e in entries if e.kind == "expenditure")
    return {
        "allocated": total(
            a
            for a in FundAllocation.objects.all()
            if a.pairing_id in pairing_ids and a.year == year
        ),
        "committed": committed,
        "disbursed": total(e for e in entries if e.kind == "disbursement"),
        "spent": spent,
        "execution_rate": rate(spent, committed),
        "donations_cash": total(d for d in donations if d.kind == "cash"),
        "donations_in_kind": total(d for d in donations if d.kind == "in_kind"),
        "enterprises": len({i.enterprise_id for i in investments}),
        "investment_agreed": sum((i.amount_agreed for i in investments), Decimal(0)),
        "investment_in_place": total(tranches),
        "parks_agricultural": len([p for p in parks if p.kind == "agricultural"]),
        "parks_industrial": len([p for p in parks if p.kind == "industrial"]),
        "consumption": total(
            c
            for c in ConsumptionSupport.objects.all()
            if c.pairing_id in pairing_ids and c.year == year
        ),
    }


@pytest.mark.parametrize("year", [2021, 2022, 2023, 2024])
def test_summary_matches_the_raw_rows(world, money, year):
    summary = funds_summary(money, year)
    assert set(summary) == SUMMARY_KEYS
    assert summary == expected(money, year)


def test_summary_figures_of_2023(world, money):
    summary = funds_summary(money, 2023)
    assert summary["allocated"] == Decimal("6500000.00")
    assert summary["committed"] == Decimal("4000000.00")
    assert summary["disbursed"] == Decimal("2600000.00")  # the reversed 1.00 cancels out
    assert summary["spent"] == Decimal("1000000.00")
    assert summary["execution_rate"] == Decimal("25.00")
    assert summary["donations_in_kind"] == Decimal("350000.00")
    assert summary["enterprises"] == 2  # one enterprise agreed twice in 2023
    assert summary["investment_in_place"] == Decimal("34000000.00")
    assert (summary["parks_agricultural"], summary["parks_industrial"]) == (2, 1)
    assert all(isinstance(summary[key], Decimal) for key in MONEY_KEYS)


def test_enterprises_over_several_years_count_once(world, money):
    """Enterprise 1 agreed in 2022 and again in 2023: one of two enterprises, not three."""
    both = funds_summaries(Groups.one(money), [2022, 2023])
    by_year = {year: both[(0, year)]["enterprise_ids"] for year in (2022, 2023)}
    assert [len(ids) for ids in by_year.values()] == [
        funds_summary(money, year)["enterprises"] for year in (2022, 2023)
    ]
    assert sum(len(ids) for ids in by_year.values()) == 3
    assert len(set(by_year[2022]) | set(by_year[2023])) == 2
    assert by_year[2023] == sorted(by_year[2023])


def test_only_the_given_pairings_count(world, money):
    county_only = funds_summary([world.pairings["zsg-sc"].pk], 2023)
    assert county_only["allocated"] == Decimal("2500000.00")
    assert county_only["consumption"] == Decimal("300000.00")
    assert funds_summary([], 2023)["committed"] == 0


def test_execution_rate_is_none_without_commitments(world, money):
    assert funds_summary(money, 2030)["execution_rate"] is None


def test_growth_over_the_previous_year(world, money):
    growth = funds_growth(money, 2023)
    assert set(growth) == set(MONEY_KEYS)
    before, now = expected(money, 2022), expected(money, 2023)
    for key in MONEY_KEYS:
        if before[key]:
            assert growth[key] == ((now[key] - before[key]) * 100 / before[key]).quantize(
                Decimal("0.01")
            )
        else:
            assert growth[key] is None
    assert growth["allocated"] == Decimal("62.50")  # 400万 → 650万
    assert growth["donations_in_kind"] is None  # nothing in kind in 2022


def test_a_tree_and_each_of_its_pairings_in_one_pass(world, money):
    """The hub's breakdown: each pairing's own figures (not rolled up) beside the tree's."""
    figures = funds_summaries(Groups.whole_and_each(money, key=0), [2023])
    county = figures[(world.pairings["zsg-sc"].pk, 2023)]
    assert county["allocated"] == Decimal("2500000.00")
    assert county["committed"] == Decimal("1000000.00")
    assert county["execution_rate"] == Decimal("10.00")
    own = [figures[(pk, 2023)] for pk in money]
    assert sum(row["committed"] for row in own) == Decimal("4000000.00")
    assert figures[(0, 2023)] == funds_summaries(Groups.one(money), [2023])[(0, 2023)]
