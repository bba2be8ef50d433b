"""What an IATI export reads, in chunks of a fixed number of queries each.

Pairings are read once (a national tree has about 2,000); projects page by
id (keyset, ``id > last``), each page with its transactions and approved
outcome reports in one query each, so neither memory nor the number of
queries per activity grows with the size of the export. A chunk's ids go in
as one array parameter (``__any_id``): 1,000 placeholders per query cost more
to write and plan than the query took to run.
"""

from dataclasses import dataclass

from django.db.models import CharField, F, Func, Max, Min, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Cast, Greatest

from funds.models import FundAllocation, FundTransaction
from pairings.models import AgreementTarget
from projects.choices import ReportStatus
from projects.models import Indicator, OutcomeReport


@dataclass(frozen=True)
class Selection:
    """The rows of one export: pairings and projects already scoped and filtered.

    ``years`` is the programme years asked for (None: all); budgets, targets and
    pairing results are read for those years, a project's results whatever the year.
    """

    pairings: object  # QuerySet[Pairing]
    projects: object  # QuerySet[Project]
    years: tuple[int, ...] | None = None


PAIRING_FIELDS = (
    "id",
    "parent_id",
    "programme",
    "level",
    "status",
    "start_date",
    "end_date",
    "notes",
    "updated_at",
    *(
        f"{side}_region__{field}"
        for side in ("helping", "helped")
        for field in ("code", "name", "full_name", "level", "latitude", "longitude")
    ),
    *(
        f"{side}_organization__{field}"
        for side in ("helping", "helped")
        for field in ("name", "credit_code", "kind")
    ),
)

PROJECT_FIELDS = (
    "id",
    "code",
    "name",
    "description",
    "category",
    "year",
    "status",
    "planned_start_date",
    "planned_end_date",
    "actual_start_date",
    "actual_end_date",
    "cancelled_on",
    "budget",
    "beneficiaries",
    "updated_at",
    "pairing_id",
    *(f"region__{field}" for field in ("code", "full_name", "level", "latitude", "longitude")),
    *(
        f"{role}_organization__{field}"
        for role in ("lead", "implementing")
        for field in ("name", "credit_code", "kind")
    ),
)

TRANSACTION_FIELDS = (
    "project_id",
    "kind",
    "day",
    "value",
    *(
        f"{party}__{field}"
        for party in ("payer", "payee")
        for field in ("name", "credit_code", "kind")
    ),
)

REPORT_FIELDS = ("indicator_id", "year", "quarter", "month", "value")


def pairings(selection: Selection) -> list[dict]:
    return list(selection.pairings.order_by("id").values(*PAIRING_FIELDS))


def indicators() -> dict:
    """The catalogue by id and by code (a few dozen rows)."""
    rows = list(
        Indicator.objects.values("id", "code", "name_zh", "name_en", "unit", "higher_is_better")
    )
    return {row["id"]: row for row in rows} | {row["code"]: row for row in rows}


def _in_years(queryset, lookup: str, years):
    return queryset if years is None else queryset.filter(**{f"{lookup}__in": years})


def allocations(selection: Selection, pairing_ids) -> list[dict]:
    """Fiscal aid per pairing and year: the pairing activity's budgets."""
    rows = FundAllocation.objects.filter(pairing_id__any_id=pairing_ids)
    rows = _in_years(rows, "year", selection.years)
    return list(
        rows.values("pairing_id", "year")
        .annotate(total=Sum("amount"), first=Min("allocated_on"))
        .order_by("pairing_id", "year")
    )


def children(selection: Selection, pairing_ids) -> list[dict]:
    """The exported projects of these pairings: their pairing, id and code."""
    rows = selection.projects.filter(pairing_id__any_id=pairing_ids)
    return list(rows.order_by("pairing_id", "id").values("pairing_id", "id", "code"))


def _report_years(years):
    """The years asked for and the year before the first (the indicators' baseline)."""
    return None if years is None else sorted({min(years) - 1, *years})


def pairing_reports(selection: Selection, pairing_ids) -> list[dict]:
    rows = OutcomeReport.objects.filter(
        pairing_id__any_id=pairing_ids, status=ReportStatus.APPROVED
    )
    rows = _in_years(rows, "year", _report_years(selection.years))
    return list(
        rows.order_by("pairing_id", "indicator_id", "id").values("pairing_id", *REPORT_FIELDS)
    )


def targets(selection: Selection, pairing_ids) -> list[dict]:
    """The agreements' yearly targets (协议指标) of these pairings."""
    rows = AgreementTarget.objects.filter(agreement__pairing_id__any_id=pairing_ids)
    rows = _in_years(rows, "agreement__year", selection.years)
    return list(
        rows.order_by("agreement__pairing_id", "indicator_code", "agreement__year").values(
            "agreement__pairing_id", "agreement__year", "indicator_code", "target"
        )
    )


def _project_changed():
    """When the activity last changed: the project, an entry of its money (entries are
    never edited, a reversal is a new one) or an outcome report on it (any status: a
    reopened report leaves the results too), whichever is latest (PostgreSQL's
    GREATEST skips the NULLs of a project without either)."""
    money = FundTransaction.objects.filter(project=OuterRef("pk")).order_by()
    reports = OutcomeReport.objects.filter(project=OuterRef("pk")).order_by()
    return Greatest(
        "updated_at",
        Subquery(money.values("project").annotate(at=Max("created_at")).values("at")),
        Subquery(reports.values("project").annotate(at=Max("updated_at")).values("at")),
    )


def project_pages(selection: Selection, size: int):
    """The selected projects, ``size`` at a time, in id order, as dicts."""
    last = 0
    while True:
        rows = selection.projects.filter(id__gt=last).annotate(changed=_project_changed())
        page = list(rows.order_by("id").values(*PROJECT_FIELDS, "changed")[:size])
        if not page:
            return
        yield page
        if len(page) < size:
            return
        last = page[-1]["id"]


def transactions(project_ids) -> list[tuple]:
    """The projects' money as tuples of ``TRANSACTION_FIELDS`` (the most rows of an export,
    so no dicts), an entry and its reversal netted: both left out.

    A reversal carries exactly the negated amount of the same project and kind
    (FundTransaction.clean), so leaving the pair out is the same sum as keeping
    both, and no IATI reader meets a negative commitment. Netted here rather
    than in SQL: an anti-join on the reversal makes PostgreSQL expect one row
    and join the organisations by nested loops.
    """
    rows = FundTransaction.objects.filter(project_id__any_id=project_ids).order_by(
        "project_id", "date", "id"
    )
    rows = list(transaction_values(rows))
    reversed_ = {row[-1] for row in rows if row[-1] is not None}
    return [row[:-2] for row in rows if row[-1] is None and row[-2] not in reversed_]


def transaction_values(queryset):
    """Entries as tuples of ``TRANSACTION_FIELDS``, then their id and the id they reverse.

    Date and amount as PostgreSQL writes them (2023-03-01, 1234.50): exactly what
    the file shows, without making a date and a Decimal of each only to print them.
    """
    return queryset.annotate(
        day=Func(F("date"), Value("YYYY-MM-DD"), function="to_char", output_field=CharField()),
        value=Cast("amount", CharField()),
    ).values_list(*TRANSACTION_FIELDS, "id", "reverses_id")


def project_reports(project_ids) -> list[dict]:
    rows = OutcomeReport.objects.filter(
        project_id__any_id=project_ids, status=ReportStatus.APPROVED
    )
    return list(
        rows.order_by("project_id", "indicator_id", "id").values("project_id", *REPORT_FIELDS)
    )
