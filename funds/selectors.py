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

from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce

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
        FundTransaction.objects.filter(project_id__in=list(project_ids))
        .values("project_id", "kind")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    totals: dict[int, dict[str, Decimal]] = {}
    for row in rows:
        stages = totals.setdefault(
            row["project_id"], dict.fromkeys(TransactionKind.values, Decimal(0))
        )
        stages[row["kind"]] = row["total"]
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
    allocated = FundAllocation.objects.filter(pairing_id=pairing_id, year=year).aggregate(
        total=_sum("amount")
    )["total"]
    approved = OverAllocation.objects.filter(pairing_id=pairing_id, year=year).aggregate(
        total=_sum("amount")
    )["total"]
    committed = FundTransaction.objects.filter(
        project__pairing_id=pairing_id, project__year=year, kind=TransactionKind.COMMITMENT
    ).aggregate(total=_sum("amount"))["total"]
    return {
        "allocated": allocated,
        "over_allocated": approved,
        "allowed": allocated + approved,
        "committed": committed,
    }


def fiscal_summary(pairing_ids, year: int) -> dict:
    """Allocated, committed, disbursed, spent and the execution rate of a programme year."""
    pairing_ids = list(pairing_ids)
    allocated = FundAllocation.objects.filter(pairing__in=pairing_ids, year=year).aggregate(
        total=_sum("amount")
    )["total"]
    stages = FundTransaction.objects.filter(
        project__pairing__in=pairing_ids, project__year=year
    ).aggregate(**stage_sums())
    return {
        "allocated": allocated,
        **stages,
        "execution_rate": rate(stages["spent"], stages["committed"]),
    }


def funds_summary(pairing_ids, year: int) -> dict:
    """Every money figure of the pairings (already expanded to descendants) for ``year``."""
    pairing_ids = list(pairing_ids)
    summary = fiscal_summary(pairing_ids, year)
    summary.update(
        Donation.objects.filter(pairing__in=pairing_ids, date__year=year).aggregate(
            donations_cash=_sum("amount", kind=DonationKind.CASH),
            donations_in_kind=_sum("amount", kind=DonationKind.IN_KIND),
        )
    )
    summary.update(
        Investment.objects.filter(pairing__in=pairing_ids, agreed_on__year=year).aggregate(
            enterprises=Count("enterprise", distinct=True), investment_agreed=_sum("amount_agreed")
        )
    )
    summary["investment_in_place"] = InvestmentTranche.objects.filter(
        investment__pairing__in=pairing_ids, date__year=year
    ).aggregate(total=_sum("amount"))["total"]
    summary.update(
        Park.objects.filter(pairing__in=pairing_ids, opened_on__lte=date(year, 12, 31)).aggregate(
            parks_agricultural=Count("pk", filter=Q(kind=ParkKind.AGRICULTURAL)),
            parks_industrial=Count("pk", filter=Q(kind=ParkKind.INDUSTRIAL)),
        )
    )
    summary["consumption"] = ConsumptionSupport.objects.filter(
        pairing__in=pairing_ids, year=year
    ).aggregate(total=_sum("amount"))["total"]
    return summary


def enterprises_investing(pairing_ids, year: int) -> list[int]:
    """The distinct enterprises with investment agreed in ``year``, as sorted ids.

    ``funds_summary`` counts them for one year; over several years an
    enterprise that agreed again in a later year must count once, which only
    the union of these ids gives.
    """
    return list(
        Investment.objects.filter(pairing__in=list(pairing_ids), agreed_on__year=year)
        .order_by("enterprise_id")
        .values_list("enterprise_id", flat=True)
        .distinct()
    )


def growth(current: Decimal, previous: Decimal) -> Decimal | None:
    """Year-on-year change in percent (2 places); None when the previous year is 0."""
    if not previous:
        return None
    return ((Decimal(current) - previous) * 100 / previous).quantize(Decimal("0.01"), ROUND_HALF_UP)


def funds_growth(pairing_ids, year: int) -> dict[str, Decimal | None]:
    """Each money figure's change over the previous year, in percent."""
    pairing_ids = list(pairing_ids)
    current = funds_summary(pairing_ids, year)
    previous = funds_summary(pairing_ids, year - 1)
    return {key: growth(current[key], previous[key]) for key in MONEY_KEYS}


def funds_by_pairing(pairing_ids, year: int) -> dict[int, dict[str, Decimal]]:
    """Allocated and the three stages per pairing (not rolled up), for breakdown tables."""
    pairing_ids = list(pairing_ids)
    rows: dict[int, dict[str, Decimal]] = {
        pk: {"allocated": ZERO, "committed": ZERO, "disbursed": ZERO, "spent": ZERO}
        for pk in pairing_ids
    }
    allocations = (
        FundAllocation.objects.filter(pairing__in=pairing_ids, year=year)
        .values("pairing")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    for row in allocations:
        rows[row["pairing"]]["allocated"] = row["total"]
    stages = (
        FundTransaction.objects.filter(project__pairing__in=pairing_ids, project__year=year)
        .values("project__pairing")
        .annotate(**stage_sums())
        .order_by()
    )
    for row in stages:
        pairing = row.pop("project__pairing")
        rows[pairing].update(row)
    for figures in rows.values():
        figures["execution_rate"] = rate(figures["spent"], figures["committed"])
    return rows
