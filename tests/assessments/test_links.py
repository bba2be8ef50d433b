"""Every figure links to the list of the records it was computed from.

Each link of the pairing page's indicator rows, of the overview's tiles and
of the cadres ending soon is followed; the list must know every query parameter of the link (an
unknown one is silently ignored and lists everything), accept their values,
and its rows must recount to the figure.
"""

from collections import Counter
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from aidtrack.core.testing import ADMIN
from assessments import sources
from assessments.models import PairingYearSummary
from tests.assessments.books import YEAR

WAN = Decimal(10_000)
CENT = Decimal("0.01")


def total(rows, field="amount") -> Decimal:
    return sum((getattr(row, field) for row in rows), Decimal(0))


def wan(amount: Decimal) -> Decimal:
    return (amount / WAN).quantize(CENT)


def percent(part, whole) -> Decimal | None:
    return (Decimal(part) * 100 / whole).quantize(CENT, ROUND_HALF_UP) if whole else None


def execution_rate(transactions) -> Decimal | None:
    by_kind = Counter()
    for entry in transactions:
        by_kind[entry.kind] += entry.amount
    return percent(by_kind["expenditure"], by_kind["commitment"])


def resolution_rate(needs) -> Decimal | None:
    return percent(sum(1 for need in needs if need.status == "resolved"), len(needs))


def distinct(field):
    return lambda rows: len({getattr(row, field) for row in rows})


def count(rows) -> int:
    return len(rows)


# How the rows of each figure's list add up to the figure (indicator units: 万元, %, counts).
RECOUNT_INDICATOR = {
    "fiscal_aid": lambda rows: wan(total(rows)),
    "fund_execution_rate": execution_rate,
    "donations": lambda rows: wan(total(rows)),
    "cadres_sent": count,
    "talents_sent": count,
    "professional_person_times": count,
    "enterprises_invested": distinct("enterprise_id"),
    "investment_in_place": lambda rows: wan(total(rows)),
    "parks_built": count,
    "consumption_support": lambda rows: wan(total(rows)),
    "projects_completed": count,
    "needs_resolved": count,
    "needs_resolution_rate": resolution_rate,
    # Reported (sum aggregation): the approved reports' values.
    "labour_transferred": lambda rows: total(rows, "value"),
    "people_trained": lambda rows: total(rows, "value"),
    "cadres_trained": lambda rows: total(rows, "value"),
}

# The overview's tiles, in yuan and counts.
RECOUNT_TILE = {
    "fiscal_aid": total,
    "donations": total,
    "execution_rate": execution_rate,
    "people_on_post": distinct("person_id"),
    "cadres_sent": count,
    "talents_sent": count,
    "professional_person_times": count,
    "projects_by_status": lambda rows: dict(Counter(row.status for row in rows)),
    "enterprises": distinct("enterprise_id"),
    "investment_in_place": total,
    "parks_agricultural": count,
    "parks_industrial": count,
    "consumption": total,
    "labour_transferred": lambda rows: total(rows, "value"),
    "needs_collected": count,
    "needs_resolved": count,
}


def follow(client, url: str) -> list:
    """The rows of the list ``url`` names, after checking it understood every parameter."""
    response = client.get(url)
    assert response.status_code == 200, url
    filterset = response.context["filterset"]
    params = set(parse_qs(urlsplit(url).query))
    assert params <= set(filterset.filters), (url, params - set(filterset.filters))
    assert not filterset.is_bound or filterset.is_valid(), (url, filterset.errors)
    # Every row the filter lets through, not only the first page.
    return list(response.context["page"].queryset)  # every filtered row, not one page


@pytest.fixture
def admin(books):
    client = Client()
    client.force_login(books.user(ADMIN))
    return client


@pytest.mark.parametrize("key", ["zs-lps", "zsg-sc"])
def test_every_indicator_links_to_the_records_it_counts(books, admin, key):
    summary = PairingYearSummary.objects.get(pairing=books.pairings[key], year=YEAR)
    followed = set()
    for figure in summary.figures:
        code = figure["code"]
        assert figure["url"], code
        rows = follow(admin, figure["url"])
        assert RECOUNT_INDICATOR[code](rows) == _number(figure["actual"]), (key, code)
        followed.add(code)
    assert followed == set(RECOUNT_INDICATOR)


@pytest.mark.parametrize("key", ["zs-lps", "gd-gz"])
def test_every_tile_links_to_the_records_it_counts(books, admin, key):
    summary = PairingYearSummary.objects.get(pairing=books.pairings[key], year=YEAR)
    shown = {name for name, tile in summary.tiles.items() if tile["url"]}
    assert shown == set(RECOUNT_TILE)
    for name in shown:
        tile = summary.tiles[name]
        rows = follow(admin, tile["url"])
        value = tile["value"]
        if name == "projects_by_status":
            value = {status: n for status, n in value.items() if n}
        else:
            value = _number(value)
        assert RECOUNT_TILE[name](rows) == value, (key, name)


def test_the_links_restrict_the_lists(books, admin):
    """The figures are a part of the records: a link that filtered nothing would show more."""
    summary = PairingYearSummary.objects.get(pairing=books.pairings["zsg-sc"], year=YEAR)
    for figure in summary.figures:
        everything = urlsplit(figure["url"]).path
        assert len(follow(admin, figure["url"])) < len(follow(admin, everything)), figure["code"]


def test_a_figure_of_a_list_that_does_not_exist_links_nowhere(books):
    assert sources.link("no_such_app:list")(books.pairings["zs-lps"], YEAR) is None


def _number(value):
    if value is None or isinstance(value, int):
        return value
    return Decimal(value)


def test_the_cadres_ending_soon_link_lists_those_the_page_shows(world, ledger):
    """On post and planned to end within 60 days; not one merely planned to end then."""
    today = timezone.localdate()
    city, county = world.pairings["zs-lps"], world.pairings["zsg-sc"]
    ledger.deployment(city, today - timedelta(days=300), today + timedelta(days=20))
    ledger.deployment(county, today - timedelta(days=100), today + timedelta(days=59))
    ledger.deployment(city, today - timedelta(days=100), today + timedelta(days=200))
    ledger.deployment(city, today + timedelta(days=1), today + timedelta(days=30), started=False)
    client = Client()
    client.force_login(world.user(ADMIN))
    page = client.get(f"/assessments/pairing/{city.pk}/")
    shown = [deployment.pk for deployment in page.context["ending"]]
    assert len(shown) == 2
    assert sorted(row.pk for row in follow(client, page.context["ending_url"])) == sorted(shown)
