"""Money figures per pairing and year, for dashboards, hub tabs and the services' checks.

Fiscal figures are counted by programme year: allocations by their year and
transactions by their project's year (the money of a 2023 project is 2023
money even when spent in 2024). Donations, investment and consumption
support are counted by the date (or period) they happened.

``pairing_ids`` are always ids already expanded to descendants by the caller.
Money is Decimal yuan; rates are Decimal percent with two places, or None.
"""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, F, Q, Sum, Value
from django.db.models.functions import Coalesce, ExtractYear
from django.utils import timezone

from aidtrack.core.rollup import Groups, roll_up, years_q
from funds.choices import DonationKind, ParkKind, TransactionKind
from funds.models import (
    ConsumptionSupport,
    Donation,
    FundAllocation,
    FundTransaction,
    Investment,
    InvestmentTranche,
    OverAllocation,
    Park,
)

ZERO = Decimal("0.00")
MONEY_KEYS = (
    "allocated",
    "committed",
    "disbursed",
    "spent",
    "donations_cash",
    "donations_in_kind",
    "investment_agreed",
    "investment_in_place",
    "consumption",
)


def _sum(field: str, **condition):
    """SUM(field) [FILTER (WHERE condition)], 0 rather than NULL over no rows."""
    filter_q = Q(**condition) if condition else None
    return Coalesce(Sum(field, filter=filter_q), ZERO)


def rate(part: Decimal, whole: Decimal) -> Decimal | None:
    """``part`` as a percentage of ``whole`` (2 places), None when ``whole`` is 0."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def stage_sums(prefix: str = "") -> dict:
    """Aggregates of committed / disbursed / spent over transactions at ``prefix``."""
    amount = f"{prefix}amount"
    kind = f"{prefix}kind"
    return {
        "committed": _sum(amount, **{kind: TransactionKind.COMMITMENT}),
        "disbursed": _sum(amount, **{kind: TransactionKind.DISBURSEMENT}),
        "spent": _sum(amount, **{kind: TransactionKind.EXPENDITURE}),
    }


def project_stage_totals(project_ids) -> dict[int, dict[str, Decimal]]:
    """{project id: {kind: total}} including reversals, in one query."""
    rows = (
        FundTransaction.objects.filter(project_id__any_id=list(project_ids))
        .values("project_id", "kind")
        .annotate(total=Sum("amount"))
        .order_by()
        .values_list("project_id", "kind", "total")
    )
    kinds = TransactionKind.values  # a new list at each read
    totals: dict[int, dict[str, Decimal]] = {}
    for project_id, kind, total in rows:
        stages = totals.get(project_id)
        if stages is None:
            stages = totals[project_id] = dict.fromkeys(kinds, Decimal(0))
        stages[kind] = total
    return totals


def project_funds(project) -> dict:
    """Committed, disbursed and spent on one project, with its execution rate."""
    figures = FundTransaction.objects.filter(project=project).aggregate(**stage_sums())
    figures["execution_rate"] = rate(figures["spent"], figures["committed"])
    figures["disbursement_rate"] = rate(figures["disbursed"], figures["committed"])
    return figures


def pairing_year_balance(pairing_id: int, year: int) -> dict[str, Decimal]:
    """What one pairing may commit for a programme year and what it has committed.

    Exactly this pairing (not its descendants): each pairing's projects draw
    on that pairing's own allocations.
    """
    return pairing_year_balances([(pairing_id, year)])[(pairing_id, year)]


def pairing_year_balances(scopes) -> dict[tuple[int, int], dict[str, Decimal]]:
    """``pairing_year_balance`` for each (pairing id, year) of ``scopes``, in one query.

    The three sums (allocations, approved over-allocations, commitments) come
    from one UNION ALL of grouped queries. Rows are selected by pairing and by
    year apart, not by the pairs (an OR per pair is a long query for the
    thousands of pairs of an import): the few other pairs read are dropped here.
    """
    scopes = set(scopes)
    if not scopes:
        return {}
    pairing_ids = sorted({pairing_id for pairing_id, _year in scopes})
    years = sorted({year for _pairing_id, year in scopes})
    parts = (
        ("allocated", FundAllocation.objects.all(), "pairing_id", "year"),
        ("over_allocated", OverAllocation.objects.all(), "pairing_id", "year"),
        (
            "committed",
            FundTransaction.objects.filter(kind=TransactionKind.COMMITMENT),
            "project__pairing_id",
            "project__year",
        ),
    )
    queries = [
        rows.filter(**{f"{pairing}__in": pairing_ids, f"{year}__in": years})
        .values_list(pairing, year)
        .annotate(total=Sum("amount"), part=Value(name))
        .order_by()
        for name, rows, pairing, year in parts
    ]
    balances = {
        scope: {"allocated": ZERO, "over_allocated": ZERO, "committed": ZERO} for scope in scopes
    }
    for pairing_id, year, total, part in queries[0].union(*queries[1:], all=True):
        if (pairing_id, year) in balances:
            balances[(pairing_id, year)][part] = total
    for balance in balances.values():
        balance["allowed"] = balance["allocated"] + balance["over_allocated"]
    return balances


def funds_summaries(groups: Groups, years) -> dict[tuple[int, int], dict]:
    """Every money figure of each group of pairings for each year: ``{(key, year): {...}}``.

    Set-based (aidtrack.core.rollup): one statement per figure family for all
    groups and years. Fiscal money counts by programme year (allocations by
    theirs, transactions by their project's); donations, investment and tranches
    by the date they happened; consumption support by its year; parks by
    whether they had opened by the end of the year. ``enterprises`` counts each
    enterprise once per group; ``enterprise_ids`` are those enterprises, sorted.
    """
    years = sorted(set(years))
    ids = groups.pairing_ids
    summaries = {
        (key, year): {
            **dict.fromkeys(MONEY_KEYS, ZERO),
            "enterprises": 0,
            "enterprise_ids": [],
            "parks_agricultural": 0,
            "parks_industrial": 0,
        }
        for key in groups
        for year in years
    }

    def add(own, totals: dict):
        """Each group's figures by year from the app's own per-pairing rows ``own``."""
        for row in roll_up(own, groups, by=["year_"], totals=totals):
            key = (row.pop("group"), int(row.pop("year_")))
            if key in summaries:
                summaries[key].update(row)

    if not ids or not years:
        return _with_rates(summaries)
    add(
        FundAllocation.objects.filter(pairing__any_id=ids, year__in=years)
        .values(pid=F("pairing_id"), year_=F("year"))
        .annotate(total=Sum("amount")),
        {"allocated": "SUM(o.total)"},
    )
    add(
        FundTransaction.objects.filter(project__pairing__any_id=ids, project__year__in=years)
        .values(pid=F("project__pairing_id"), year_=F("project__year"))
        .annotate(**stage_sums()),
        {stage: f"SUM(o.{stage})" for stage in ("committed", "disbursed", "spent")},
    )
    add(
        Donation.objects.filter(years_q("date", years), pairing__any_id=ids)
        .values(pid=F("pairing_id"), year_=ExtractYear("date"))
        .annotate(
            cash=_sum("amount", kind=DonationKind.CASH),
            in_kind=_sum("amount", kind=DonationKind.IN_KIND),
        ),
        {"donations_cash": "SUM(o.cash)", "donations_in_kind": "SUM(o.in_kind)"},
    )
    add(
        Investment.objects.filter(years_q("agreed_on", years), pairing__any_id=ids)
        .values(pid=F("pairing_id"), year_=ExtractYear("agreed_on"), firm=F("enterprise_id"))
        .annotate(agreed=Sum("amount_agreed")),
        {
            # Counted over the group's rows: an enterprise investing in two
            # pairings of the group is one enterprise.
            "enterprises": "COUNT(DISTINCT o.firm)",
            "enterprise_ids": "array_agg(DISTINCT o.firm ORDER BY o.firm)",
            "investment_agreed": "SUM(o.agreed)",
        },
    )
    add(
        InvestmentTranche.objects.filter(years_q("date", years), pairing__any_id=ids)
        .values(pid=F("pairing_id"), year_=ExtractYear("date"))
        .annotate(total=Sum("amount")),
        {"investment_in_place": "SUM(o.total)"},
    )
    add(
        ConsumptionSupport.objects.filter(pairing__any_id=ids, year__in=years)
        .values(pid=F("pairing_id"), year_=F("year"))
        .annotate(total=Sum("amount")),
        {"consumption": "SUM(o.total)"},
    )
    # A park counts in every year from the one it opened in: per opening year
    # here, accumulated below.
    opened = roll_up(
        Park.objects.filter(pairing__any_id=ids, opened_on__lte=date(years[-1], 12, 31))
        .values(pid=F("pairing_id"), opened=ExtractYear("opened_on"))
        .annotate(
            agricultural=Count("pk", filter=Q(kind=ParkKind.AGRICULTURAL)),
            industrial=Count("pk", filter=Q(kind=ParkKind.INDUSTRIAL)),
        ),
        groups,
        by=["opened"],
        totals={"agricultural": "SUM(o.agricultural)", "industrial": "SUM(o.industrial)"},
    )
    for row in opened:
        for year in years:
            if int(row["opened"]) <= year:
                summary = summaries[(row["group"], year)]
                summary["parks_agricultural"] += int(row["agricultural"])
                summary["parks_industrial"] += int(row["industrial"])
    return _with_rates(summaries)


def _with_rates(summaries: dict) -> dict:
    for summary in summaries.values():
        summary["execution_rate"] = rate(summary["spent"], summary["committed"])
    return summaries


def funds_summary(pairing_ids, year: int) -> dict:
    """Every money figure of the pairings (already expanded to descendants) for ``year``."""
    summary = funds_summaries(Groups.one(pairing_ids), [year])[(0, year)]
    summary.pop("enterprise_ids")
    return summary


def growth(current: Decimal, previous: Decimal) -> Decimal | None:
    """Year-on-year change in percent (2 places); None when the previous year is 0."""
    if not previous:
        return None
    return ((Decimal(current) - previous) * 100 / previous).quantize(Decimal("0.01"), ROUND_HALF_UP)


def funds_growth(pairing_ids, year: int) -> dict[str, Decimal | None]:
    """Each money figure's change over the previous year, in percent."""
    both = funds_summaries(Groups.one(pairing_ids), [year - 1, year])
    current, previous = both[(0, year)], both[(0, year - 1)]
    return {key: growth(current[key], previous[key]) for key in MONEY_KEYS}


def years_with_records(pairing_ids, after: int | None = None) -> set[int]:
    """Programme years up to this one (and after ``after``, when given) with allocations
    or projects for ``pairing_ids`` and the pairings below.

    Registered as the app's ``data_years`` (aidtrack.core.years): a year with
    money recorded has data even before its summaries are refreshed. Both
    tables carry the programme year, indexed with the pairing, so the recent
    years are a short range of the index per pairing.
    """
    from pairings.models import Pairing
    from projects.models import Project

    tree = Pairing.objects.descendant_ids(pairing_ids)
    years: set[int] = set()
    this_year = timezone.localdate().year
    for model in (FundAllocation, Project):
        rows = model.objects.filter(pairing__any_id=tree).order_by()
        if after is not None and after >= this_year - 1:
            # This year alone: whether one record exists, not every record's year
            # (a national tree has tens of thousands of projects in a year).
            if rows.filter(year=this_year).exists():
                years.add(this_year)
            continue
        if after is not None:
            rows = rows.filter(year__gt=after)
        years |= set(rows.filter(year__lte=this_year).values_list("year", flat=True).distinct())
    return years
