"""What the dashboards say about how a score is made, and why a grade differs.

A leader sees a computed grade (一般, 71.60) beside the official one (好) and
needs to know which to believe and why they differ. The computed grade is
this system's arithmetic over the records entered (``scoring.py``, the
rubric of the year); the official grade is what the national or provincial
assessment published, recorded by an administrator. They differ when the
records fall short of the targets on some indicators, or when the official
assessment weighed things the records do not hold. The pairing dashboard
says which indicators scored below their target; the rubric page says how
every figure is computed and where it comes from.
"""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from assessments import sources
from assessments.choices import ScoringMethod

# Where each computed figure comes from, in a sentence (the indicator codes of
# ``sources.COMPUTED``); every other indicator is read from approved outcome reports.
ORIGINS = {
    "fiscal_aid": _("Fiscal allocations of the programme year."),
    "fund_execution_rate": _(
        "Spent ÷ committed, over the fund transactions of the year's projects."
    ),
    "cadres_sent": _("Deployments of party and government cadres begun in the year."),
    "talents_sent": _("Long-term deployments of professional talents begun in the year."),
    "professional_person_times": _(
        "Short-term professional support begun in the year; each stint is one person-time."
    ),
    "enterprises_invested": _("Distinct enterprises among the investments agreed in the year."),
    "investment_in_place": _("Investment tranches that arrived in the year."),
    "parks_built": _("Co-built parks opened by the end of the year."),
    "consumption_support": _("Consumption support recorded for the year."),
    "donations": _("Cash and in-kind donations (at their valuation) made in the year."),
    "projects_completed": _("Projects completed or accepted with their actual end in the year."),
    "needs_resolved": _("Needs collected in the year and resolved."),
    "needs_resolution_rate": _("Needs resolved ÷ needs collected in the year."),
}
REPORTED = _("Approved outcome reports of the indicator for the year.")


def origin(code: str) -> str:
    return ORIGINS.get(code, REPORTED)


def origin_url(code: str, year: int) -> str | None:
    """The list of every record in the user's scope the figure is computed from."""
    stock = code in sources.STOCK_INDICATORS
    return sources.period_url(sources.source_for(code), None, [year], stock=stock)


def below_target(summary: dict | None) -> list[dict]:
    """The indicators that earned less than their weight, with the points they lost.

    Completion: short of the target (or no target set: no points); growth: less
    growth than full points need. Largest loss first.
    """
    if not summary:
        return []
    shortfalls = []
    for figure in summary["figures"]:
        weight, points = figure.get("weight"), figure.get("points")
        if weight is None or points is None or points >= weight:
            continue
        shortfalls.append(
            {
                **figure,
                "lost": Decimal(weight) - Decimal(points),
                "no_target": figure["method"] == ScoringMethod.COMPLETION
                and figure.get("target") is None,
            }
        )
    return sorted(shortfalls, key=lambda figure: figure["lost"], reverse=True)


def grade_differs(summary: dict | None, official: dict) -> list:
    """The official grades (by level) that are not the computed grade."""
    if not summary:
        return []
    return [grade for grade in official.values() if grade.grade != summary["grade"]]
