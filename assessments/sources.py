"""Where every assessment figure comes from, and the list of records behind it.

One table: indicator code → the selector of cadres, projects or funds that
computes it (docs/architecture.md, "Dashboard selectors") and the filtered list page that
shows the records it counted. Indicators not in the table are reported
through outcome reports and come from ``projects.selectors.indicator_totals``.

Selectors are imported inside the functions: this module is imported at
start-up, and a selector's app must not have to load before assessments does.
Each function takes ``pairing_ids`` (already expanded to descendants where
the figure includes them) and a year. Money indicators are in 万元, the unit
assessments are written in; the overview tiles keep yuan for the ``money``
filter.

A refresh computes many figures from the same few selector calls (six
indicators read ``funds_summary``), so within ``memoized()`` each call with
the same arguments runs once.
"""

import contextlib
import contextvars
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from urllib.parse import urlencode

from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from aidtrack.core.money import WAN

Number = Decimal | int | None


@dataclass(frozen=True)
class Source:
    compute: Callable[[frozenset[int], int], object]
    # (pairing, year) → the URL of the filtered list, or None while that list does not exist.
    list_url: Callable[[object, int], str | None]


# --- per-refresh memo -----------------------------------------------------------

_memo: contextvars.ContextVar[dict | None] = contextvars.ContextVar("sources_memo", default=None)


@contextlib.contextmanager
def memoized():
    """Within the block, each selector call with the same arguments runs once."""
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def _once(selector: Callable, pairing_ids, *args, **kwargs):
    memo = _memo.get()
    if memo is None:
        return selector(pairing_ids, *args, **kwargs)
    key = (selector.__module__, selector.__qualname__, frozenset(pairing_ids), args)
    key += tuple(sorted(kwargs.items()))
    if key not in memo:
        memo[key] = selector(pairing_ids, *args, **kwargs)
    return memo[key]


# --- the selectors, by app --------------------------------------------------------


def funds(pairing_ids, year: int) -> dict:
    from funds.selectors import funds_summary

    return _once(funds_summary, pairing_ids, year)


def started(pairing_ids, year: int, **criteria) -> int:
    from cadres.selectors import deployments_started

    return _once(deployments_started, pairing_ids, year, **criteria)


def person_times(pairing_ids, year: int) -> int:
    from cadres.selectors import professional_person_times

    return _once(professional_person_times, pairing_ids, year)


def on_post(pairing_ids, year: int) -> dict:
    from cadres.selectors import people_on_post

    return _once(people_on_post, pairing_ids, counting_day(year))


def ending_deployments(pairing_ids, days: int = 60):
    """Deployments on post whose planned end falls within ``days`` (live, not summarised)."""
    from cadres.selectors import deployments_ending_within

    return deployments_ending_within(pairing_ids, days)


def completed(pairing_ids, year: int) -> int:
    from projects.selectors import projects_completed

    return _once(projects_completed, pairing_ids, year)


def by_status(pairing_ids, year: int) -> dict:
    from projects.selectors import projects_by_status

    return _once(projects_by_status, pairing_ids, year)


def needs(pairing_ids, year: int) -> dict:
    from projects.selectors import needs_summary

    return _once(needs_summary, pairing_ids, year)


def reported(pairing_ids, year: int) -> dict:
    from projects.selectors import indicator_totals

    return _once(indicator_totals, pairing_ids, year)


def enterprise_ids(pairing_ids, year: int) -> list[int]:
    from funds.selectors import enterprises_investing

    return _once(enterprises_investing, pairing_ids, year)


def counting_day(year: int) -> date:
    """The day head counts are taken for ``year``: its last day, or today while it runs."""
    return min(date(year, 12, 31), timezone.localdate())


def wan(yuan) -> Decimal:
    return (Decimal(yuan or 0) / WAN).quantize(Decimal("0.01"))


def fund(key: str) -> Callable:
    """``(pairing_ids, year) → funds_summary(...)[key]`` as it is: yuan, a count or a rate."""
    return lambda pairing_ids, year: funds(pairing_ids, year)[key]


def fund_wan(key: str) -> Callable:
    """The same money in 万元."""
    return lambda pairing_ids, year: wan(funds(pairing_ids, year)[key])


def donations_yuan(pairing_ids, year: int) -> Decimal:
    """Cash and in-kind donations (at their valuation) together."""
    summary = funds(pairing_ids, year)
    return Decimal(summary["donations_cash"] or 0) + Decimal(summary["donations_in_kind"] or 0)


def parks_total(pairing_ids, year: int) -> int:
    summary = funds(pairing_ids, year)
    return summary["parks_agricultural"] + summary["parks_industrial"]


def need(key: str) -> Callable:
    return lambda pairing_ids, year: needs(pairing_ids, year)[key]


def people_on_post_total(pairing_ids, year: int) -> int:
    return on_post(pairing_ids, year)["total"]


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
        try:
            base = reverse(url_name)
        except NoReverseMatch:
            return None
        params = {"pairing": pairing.pk}
        if year_param:
            params[year_param] = year
        params.update(fixed)
        return f"{base}?{urlencode(params)}"

    return url


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
        lambda ids, y: started(ids, y, category=_CADRE),
        link(_deployments, "start_year", category=_CADRE),
    ),
    "talents_sent": Source(
        lambda ids, y: started(ids, y, category=_TALENT, kind=_LONG_TERM),
        link(_deployments, "start_year", category=_TALENT, kind=_LONG_TERM),
    ),
    "professional_person_times": Source(
        person_times, link(_deployments, "start_year", kind=_SHORT_TERM)
    ),
    # Distinct enterprises among the investments agreed in the year.
    "enterprises_invested": Source(fund("enterprises"), link("funds:investment_list")),
    # Tranches that arrived in the year (not the investments agreed in it).
    "investment_in_place": Source(
        fund_wan("investment_in_place"), link("funds:investmenttranche_list")
    ),
    "parks_built": Source(parks_total, link(_parks, "opened_by_year")),
    "consumption_support": Source(fund_wan("consumption"), link("funds:consumptionsupport_list")),
    "donations": Source(lambda ids, y: wan(donations_yuan(ids, y)), link("funds:donation_list")),
    "projects_completed": Source(completed, link("projects:project_list", "completed_in")),
    "needs_resolved": Source(need("resolved"), link("projects:need_list", status="resolved")),
    "needs_resolution_rate": Source(need("rate"), link("projects:need_list")),
}


def reported_source(code: str) -> Source:
    """An indicator reported through approved outcome reports."""
    return Source(
        lambda ids, y: reported(ids, y).get(code, Decimal(0)),
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
# A count over several summaries is the size of the union of their ids.
DISTINCT_TILES = {"enterprises": "enterprise_ids"}
