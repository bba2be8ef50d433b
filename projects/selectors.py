"""Reads for dashboards and assessments: per pairing (and descendants) and year.

``pairing_ids`` is always already expanded to descendants by the caller.
Only approved outcome reports ever count.
"""

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery

from projects.choices import Aggregation, NeedStatus, ProjectCategory, ProjectStatus, ReportStatus
from projects.models import Need, OutcomeReport, ProgressUpdate, Project

COMPLETED_STATUSES = (ProjectStatus.COMPLETED, ProjectStatus.ACCEPTED)


def _projects(pairing_ids, year: int | None) -> QuerySet:
    projects = Project.objects.filter(pairing__in=pairing_ids)
    return projects.filter(year=year) if year is not None else projects


def _counts(queryset, field: str, choices) -> dict[str, int]:
    counts = dict.fromkeys(choices.values, 0)
    for row in queryset.order_by().values(field).annotate(n=Count("pk")):
        counts[row[field]] = row["n"]
    return counts


def projects_by_status(pairing_ids, year: int | None = None) -> dict[str, int]:
    """Projects of the programme year (all years when None) by status; every status present."""
    return _counts(_projects(pairing_ids, year), "status", ProjectStatus)


def projects_by_category(pairing_ids, year: int | None = None) -> dict[str, int]:
    """Projects of the programme year (all years when None) by category; every category present."""
    return _counts(_projects(pairing_ids, year), "category", ProjectCategory)


def projects_completed(pairing_ids, year: int) -> int:
    """Projects completed or accepted whose actual end falls in ``year``."""
    return Project.objects.filter(
        pairing__in=pairing_ids, status__in=COMPLETED_STATUSES, actual_end_date__year=year
    ).count()


def approved_reports(pairing_ids, year: int) -> QuerySet:
    """Approved reports of ``year`` on one of the pairings or on a project of one of them."""
    return OutcomeReport.objects.filter(
        OutcomeReport.scope_q(pairing_ids), status=ReportStatus.APPROVED, year=year
    )


def indicator_totals(pairing_ids, year: int) -> dict[str, Decimal]:
    """Indicator code → the year's approved value, combined by each indicator's aggregation.

    * sum: every report's value added up;
    * max: the largest value reported;
    * latest: for each subject its latest period's value (a running count such
      as "emergency centres built"), added up over the subjects.
    """
    rows = approved_reports(pairing_ids, year).values_list(
        "indicator__code",
        "indicator__aggregation",
        "pairing_id",
        "project_id",
        "quarter",
        "month",
        "value",
    )
    sums: dict[str, Decimal] = defaultdict(Decimal)
    maxima: dict[str, Decimal] = {}
    # code → subject → (period end month, value)
    latest: dict[str, dict] = defaultdict(dict)
    for code, aggregation, pairing_id, project_id, quarter, month, value in rows:
        if aggregation == Aggregation.MAX:
            maxima[code] = max(maxima.get(code, value), value)
        elif aggregation == Aggregation.LATEST:
            period_end = quarter * 3 if quarter else month or 12
            subject = (pairing_id, project_id)
            if period_end >= latest[code].get(subject, (0, None))[0]:
                latest[code][subject] = (period_end, value)
        else:
            sums[code] += value
    totals = dict(sums)
    totals.update(maxima)
    for code, by_subject in latest.items():
        totals[code] = sum((value for _end, value in by_subject.values()), Decimal(0))
    return totals


def rate(part: int, whole: int) -> Decimal | None:
    """``part`` as a percent of ``whole`` (2 places), or None when there is no whole."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def needs_summary(pairing_ids, year: int) -> dict:
    """Needs collected in ``year`` and, of those, how many are resolved."""
    counts = Need.objects.filter(pairing__in=pairing_ids, collected_on__year=year).aggregate(
        collected=Count("pk"), resolved=Count("pk", filter=Q(status=NeedStatus.RESOLVED))
    )
    return {**counts, "rate": rate(counts["resolved"], counts["collected"])}


def needs_by_status(pairing_ids, year: int | None = None) -> dict[str, int]:
    needs = Need.objects.filter(pairing__in=pairing_ids)
    if year is not None:
        needs = needs.filter(collected_on__year=year)
    return _counts(needs, "status", NeedStatus)


def with_progress(projects: QuerySet) -> QuerySet:
    """Projects annotated with ``latest_progress``: the percent of their latest update."""
    latest = ProgressUpdate.objects.filter(project=OuterRef("pk")).order_by("-date")
    return projects.annotate(latest_progress=Subquery(latest.values("percent")[:1]))
