"""Where every assessment figure comes from, and the list of records behind it.

One table: indicator code → how the figure is read from the facts of a
pairing-year (docs/architecture.md, "Dashboard selectors") and the filtered
list page that shows the records it counted. Indicators not in the table are
reported through outcome reports (``projects.selectors.indicator_totals_many``).

The facts come from the set-based selectors of cadres, projects and funds
(``aidtrack.core.rollup``): ``facts_compute`` asks each of them once for every
group of pairings and every year of a refresh, whether that is one pairing or
all of them. Each figure is defined once: in the selector that counts it and
the line of the table that reads it.

Selectors are imported inside the functions: this module is imported at
start-up, and a selector's app must not have to load before assessments does.
Money indicators are in 万元, the unit assessments are written in; the
overview tiles keep yuan for the ``money`` filter.
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode

from django.urls import NoReverseMatch, get_urlconf, reverse
from django.utils import timezone

from aidtrack.core.money import WAN
from aidtrack.core.rollup import Groups

Number = Decimal | int | None


@dataclass(frozen=True)
class Facts:
    """What the figures of one group of pairings (a pairing's tree, or the pairing
    alone) for one year are read from."""

    funds: dict
    started: Counter
    completed: int
    needs: dict
    reported: dict
    # Read by the tiles only, so computed for the years refreshed (not the year before).
    by_status: dict | None = None
    on_post: dict | None = None


@dataclass(frozen=True)
class Source:
    compute: Callable[[Facts], object]
    # (pairing or its id, year) → the URL of the filtered list, or None while there is none.
    list_url: Callable[[object, int], str | None]


def facts_compute(groups: Groups, years, tile_years=None) -> dict[tuple[int, int], Facts]:
    """``{(group key, year): Facts}``: one statement per figure family for all of them."""
    from cadres.selectors import deployments_started_counts, people_on_post_counts
    from funds.selectors import funds_summaries
    from projects.selectors import (
        indicator_totals_many,
        needs_counts,
        projects_by_status_counts,
        projects_completed_counts,
    )

    years = sorted(set(years))
    tile_years = sorted(set(years if tile_years is None else tile_years))
    funds = funds_summaries(groups, years)
    started = deployments_started_counts(groups, years)
    completed = projects_completed_counts(groups, years)
    needs = needs_counts(groups, years)
    reported = indicator_totals_many(groups, years)
    by_status = projects_by_status_counts(groups, tile_years)
    on_post = people_on_post_counts(
        groups, {year: counting_day(year) for year in tile_years}, breakdowns=False
    )
    return {
        key: Facts(
            funds=funds[key],
            started=started[key],
            completed=completed[key],
            needs=needs[key],
            reported=reported[key],
            by_status=by_status.get(key),
            on_post=on_post.get(key),
        )
        for key in funds
    }


def ending_deployments(pairing_ids, days: int = 60):
    """Deployments on post whose planned end falls within ``days`` (live, not summarised)."""
    from cadres.selectors import deployments_ending_within

    return deployments_ending_within(pairing_ids, days)


def counting_day(year: int) -> date:
    """The day head counts are taken for ``year``: its last day, or today while it runs."""
    return min(date(year, 12, 31), timezone.localdate())


def wan(yuan) -> Decimal:
    return (Decimal(yuan or 0) / WAN).quantize(Decimal("0.01"))


def fund(key: str) -> Callable:
    """``facts → funds_summaries(...)[key]`` as it is: yuan, a count or a rate."""
    return lambda facts: facts.funds[key]


def fund_wan(key: str) -> Callable:
    """The same money in 万元."""
    return lambda facts: wan(facts.funds[key])


def donations_yuan(facts: Facts) -> Decimal:
    """Cash and in-kind donations (at their valuation) together."""
    summary = facts.funds
    return Decimal(summary["donations_cash"] or 0) + Decimal(summary["donations_in_kind"] or 0)


def parks_total(facts: Facts) -> int:
    return facts.funds["parks_agricultural"] + facts.funds["parks_industrial"]


def need(key: str) -> Callable:
    return lambda facts: facts.needs[key]


def started(**criteria) -> Callable:
    """Deployments begun in the year that match ``criteria`` (category, kind, direction)."""
    from cadres.selectors import started_count

    return lambda facts: started_count(facts.started, **criteria)


def completed(facts: Facts) -> int:
    return facts.completed


def by_status(facts: Facts) -> dict:
    return facts.by_status


def enterprise_ids(facts: Facts) -> list[int]:
    return facts.funds["enterprise_ids"]


def people_on_post_total(facts: Facts) -> int:
    return facts.on_post["total"]


# --- the lists behind the figures ---------------------------------------------------
#
# Each link names only filters the list's FilterSet declares (an unknown
# query parameter would be ignored and list every record); the filters reuse
# the selectors' conditions (``start_year`` is ``deployment_started_in``,
# ``completed_in`` is what ``projects_completed`` counts, …).
# tests/assessments/test_links.py follows every link and recounts.


def link(url_name: str, year_param: str | None = "year", **fixed) -> Callable:
    """``(pairing, year) → url_name?pairing=<id>&<year_param>=<year>&<fixed>``.

    The ``pairing`` filter of every list includes the pairings below, as the
    figures do. None while the list page does not exist.
    """

    def url(pairing, year: int) -> str | None:
        base = _list_base(url_name, get_urlconf())
        if base is None:
            return None
        params = {"pairing": getattr(pairing, "pk", pairing)}
        if year_param:
            params[year_param] = year
        params.update(fixed)
        return f"{base}?{urlencode(params)}"

    return url


@lru_cache(maxsize=256)
def _list_base(url_name: str, urlconf) -> str | None:
    """The list's path, reversed once (a nightly refresh builds tens of thousands of links)."""
    try:
        return reverse(url_name, urlconf=urlconf)
    except NoReverseMatch:
        return None


def no_link(pairing, year: int) -> None:
    return None


def people_on_post_link(pairing, year: int) -> str | None:
    return link("cadres:deployment_list", None, on_post_on=counting_day(year).isoformat())(
        pairing, year
    )


# Deployments begun in a year: the deployment list's ``start_year`` filter.
_deployments = "cadres:deployment_list"
_CADRE, _TALENT = "cadre", "talent"
_LONG_TERM, _SHORT_TERM = "long_term", "short_term"
# Parks open by the end of the year: the park list's ``opened_by_year`` filter.
_parks = "funds:park_list"


# --- the table ------------------------------------------------------------------------

COMPUTED: dict[str, Source] = {
    "fiscal_aid": Source(fund_wan("allocated"), link("funds:fundallocation_list")),
    # Spent ÷ committed over the transactions of the year's projects.
    "fund_execution_rate": Source(fund("execution_rate"), link("funds:fundtransaction_list")),
    "cadres_sent": Source(
        started(category=_CADRE), link(_deployments, "start_year", category=_CADRE)
    ),
    "talents_sent": Source(
        started(category=_TALENT, kind=_LONG_TERM),
        link(_deployments, "start_year", category=_TALENT, kind=_LONG_TERM),
    ),
    # Short-term professional support begun in the year: each stint is one person-time.
    "professional_person_times": Source(
        started(kind=_SHORT_TERM), link(_deployments, "start_year", kind=_SHORT_TERM)
    ),
    # Distinct enterprises among the investments agreed in the year.
    "enterprises_invested": Source(fund("enterprises"), link("funds:investment_list")),
    # Tranches that arrived in the year (not the investments agreed in it).
    "investment_in_place": Source(
        fund_wan("investment_in_place"), link("funds:investmenttranche_list")
    ),
    "parks_built": Source(parks_total, link(_parks, "opened_by_year")),
    "consumption_support": Source(fund_wan("consumption"), link("funds:consumptionsupport_list")),
    "donations": Source(lambda facts: wan(donations_yuan(facts)), link("funds:donation_list")),
    "projects_completed": Source(completed, link("projects:project_list", "completed_in")),
    "needs_resolved": Source(need("resolved"), link("projects:need_list", status="resolved")),
    "needs_resolution_rate": Source(need("rate"), link("projects:need_list")),
}


def reported_source(code: str) -> Source:
    """An indicator reported through approved outcome reports."""
    return Source(
        lambda facts: facts.reported.get(code, Decimal(0)),
        link("projects:outcomereport_list", indicator=code, status="approved"),
    )


def source_for(code: str) -> Source:
    return COMPUTED.get(code) or reported_source(code)


def _url_of(code: str) -> Callable:
    return source_for(code).list_url


# The overview's headline figures: money in yuan, counts, and projects by status.
# Over several years they add up, except the stocks (STOCK_TILES: the latest
# year counts) and the distinct counts (DISTINCT_TILES).
TILES: dict[str, Source] = {
    "fiscal_aid": Source(fund("allocated"), _url_of("fiscal_aid")),
    "donations": Source(donations_yuan, _url_of("donations")),
    "execution_rate": Source(fund("execution_rate"), _url_of("fund_execution_rate")),
    "people_on_post": Source(people_on_post_total, people_on_post_link),
    "cadres_sent": COMPUTED["cadres_sent"],
    "talents_sent": COMPUTED["talents_sent"],
    "professional_person_times": COMPUTED["professional_person_times"],
    "projects_by_status": Source(by_status, link("projects:project_list")),
    "enterprises": Source(fund("enterprises"), _url_of("enterprises_invested")),
    # Not shown: lets several years count each enterprise once.
    "enterprise_ids": Source(enterprise_ids, no_link),
    "investment_in_place": Source(fund("investment_in_place"), _url_of("investment_in_place")),
    "parks_agricultural": Source(
        fund("parks_agricultural"), link(_parks, "opened_by_year", kind="agricultural")
    ),
    "parks_industrial": Source(
        fund("parks_industrial"), link(_parks, "opened_by_year", kind="industrial")
    ),
    "consumption": Source(fund("consumption"), _url_of("consumption_support")),
    "labour_transferred": reported_source("labour_transferred"),
    "needs_collected": Source(need("collected"), link("projects:need_list")),
    "needs_resolved": COMPUTED["needs_resolved"],
}

# Figures that are a state at the end of the year, not a flow during it.
STOCK_TILES = frozenset(
    {"people_on_post", "execution_rate", "parks_agricultural", "parks_industrial"}
)
# Indicators that are such a state too: a park opened years ago is counted every
# year after, so it says nothing about whether anything happened in the year.
STOCK_INDICATORS = frozenset({"parks_built"})
# A count over several summaries is the size of the union of their ids.
DISTINCT_TILES = {"enterprises": "enterprise_ids"}


def period_url(source: Source, pairing, years, *, stock: bool = False) -> str | None:
    """The list behind a figure over ``years`` (its rows recount the figure).

    ``pairing``: the pairing whose tree the figure counts, or None for the top of
    the user's scope, which is what a list shows without a ``pairing`` filter. A
    flow over several years keeps its year filter's rows from the first year to the
    last (``from_year``, aidtrack.core.filters); a stock counts in the last year
    only, as ``selectors.tiles_combine`` counts it.
    """
    years = sorted(years)
    url = source.list_url(getattr(pairing, "pk", 0), years[-1])
    if url is None:
        return None
    base, _sep, query = url.partition("?")
    params = [(name, value) for name, value in parse_qsl(query) if pairing or name != "pairing"]
    if len(years) > 1 and not stock:
        params.append(("from_year", str(years[0])))
    return f"{base}?{urlencode(params)}" if params else base


def tile_url(key: str, pairing, years) -> str | None:
    """The list behind the overview's tile ``key`` over ``years``."""
    return period_url(TILES[key], pairing, years, stock=key in STOCK_TILES)
