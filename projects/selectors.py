"""Reads for dashboards and assessments: per pairing (and descendants) and year.

``pairing_ids`` is always already expanded to descendants by the caller.
Only approved outcome reports ever count.
"""

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import ExtractYear

from aidtrack.core.rollup import Groups, roll_up, years_q
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


# -- set-based (aidtrack.core.rollup): many groups of pairings and years at once ------
#
# The single-pairing selectors below are the same functions with one group.


def projects_by_status_counts(groups: Groups, years) -> dict[tuple, dict[str, int]]:
    """Projects of each programme year by status, per group: ``{(key, year): {status: n}}``.

    ``years`` None: every year together, under the year None.
    """
    keys = [None] if years is None else sorted(set(years))
    counts = {
        (key, year): dict.fromkeys(ProjectStatus.values, 0) for key in groups for year in keys
    }
    projects = Project.objects.filter(pairing__any_id=groups.pairing_ids)
    if years is None:
        by, columns = ["status"], {"pid": F("pairing_id")}
    else:
        projects = projects.filter(year__in=keys)
        by, columns = ["year_", "status"], {"pid": F("pairing_id"), "year_": F("year")}
    rows = roll_up(
        projects.values("status", **columns).annotate(n=Count("pk")),
        groups,
        by=by,
        totals={"n": "SUM(o.n)"},
    )
    for row in rows:
        counts[(row["group"], row.get("year_"))][row["status"]] = int(row["n"])
    return counts


def projects_completed_counts(groups: Groups, years) -> dict[tuple, int]:
    """Projects completed or accepted whose actual end falls in each year, per group."""
    years = sorted(set(years))
    counts = {(key, year): 0 for key in groups for year in years}
    rows = roll_up(
        Project.objects.filter(
            years_q("actual_end_date", years),
            pairing__any_id=groups.pairing_ids,
            status__in=COMPLETED_STATUSES,
        )
        .values(pid=F("pairing_id"), year_=ExtractYear("actual_end_date"))
        .annotate(n=Count("pk")),
        groups,
        by=["year_"],
        totals={"n": "SUM(o.n)"},
    )
    for row in rows:
        counts[(row["group"], int(row["year_"]))] = int(row["n"])
    return counts


def needs_counts(groups: Groups, years) -> dict[tuple, dict]:
    """Needs collected in each year and, of those, how many are resolved, per group."""
    years = sorted(set(years))
    counts = {(key, year): {"collected": 0, "resolved": 0} for key in groups for year in years}
    rows = roll_up(
        Need.objects.filter(years_q("collected_on", years), pairing__any_id=groups.pairing_ids)
        .values(pid=F("pairing_id"), year_=ExtractYear("collected_on"))
        .annotate(
            collected=Count("pk"), resolved=Count("pk", filter=Q(status=NeedStatus.RESOLVED))
        ),
        groups,
        by=["year_"],
        totals={"collected": "SUM(o.collected)", "resolved": "SUM(o.resolved)"},
    )
    for row in rows:
        counts[(row["group"], int(row["year_"]))] = {
            "collected": int(row["collected"]),
            "resolved": int(row["resolved"]),
        }
    for summary in counts.values():
        summary["rate"] = rate(summary["resolved"], summary["collected"])
    return counts


def indicator_totals_many(groups: Groups, years) -> dict[tuple, dict[str, Decimal]]:
    """Indicator code → the year's approved value, per group: ``{(key, year): {code: value}}``.

    Combined by each indicator's aggregation:

    * sum: every report's value added up;
    * max: the largest value reported;
    * latest: for each subject its latest period's value (a running count such
      as "emergency centres built"), added up over the subjects; of two
      reports for the same period end, the later entered.

    Each pairing's own totals first (a subject, pairing or project, belongs to
    one pairing: the report's ``scope_pairing``), then rolled up over the
    groups' pairings. One query on that column, no join to the projects.
    """
    years = sorted(set(years))
    ids = groups.pairing_ids
    fields = (
        "id",
        "year",
        "indicator__code",
        "indicator__aggregation",
        "project_id",
        "quarter",
        "month",
        "value",
    )
    rows = (
        list(
            OutcomeReport.objects.filter(
                OutcomeReport.scope_q(ids), status=ReportStatus.APPROVED, year__in=years
            )
            .order_by()
            .values_list("scope_pairing_id", *fields)
        )
        if ids and years
        else []
    )
    rows.sort(key=lambda row: row[1])  # entry order decides between reports of one period
    # (pairing, year) → own figures
    sums: dict[tuple, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    maxima: dict[tuple, dict[str, Decimal]] = defaultdict(dict)
    # (pairing, year) → code → subject → (period end month, value)
    latest: dict[tuple, dict] = defaultdict(lambda: defaultdict(dict))
    for pid, _id, year, code, aggregation, project_id, quarter, month, value in rows:
        own = (pid, year)
        if aggregation == Aggregation.MAX:
            maxima[own][code] = max(maxima[own].get(code, value), value)
        elif aggregation == Aggregation.LATEST:
            period_end = quarter * 3 if quarter else month or 12
            subject = project_id
            if period_end >= latest[own][code].get(subject, (0, None))[0]:
                latest[own][code][subject] = (period_end, value)
        else:
            sums[own][code] += value
    totals = {(key, year): {} for key in groups for year in years}
    for key, members in groups.members.items():
        for year in years:
            group_totals = totals[(key, year)]
            group_max: dict[str, Decimal] = {}
            for pid in members:
                own = (pid, year)
                for code, value in sums.get(own, {}).items():
                    group_totals[code] = group_totals.get(code, Decimal(0)) + value
                for code, by_subject in latest.get(own, {}).items():
                    subtotal = sum((value for _end, value in by_subject.values()), Decimal(0))
                    group_totals[code] = group_totals.get(code, Decimal(0)) + subtotal
                for code, value in maxima.get(own, {}).items():
                    group_max[code] = max(group_max.get(code, value), value)
            group_totals.update(group_max)
    return totals


def projects_by_status(pairing_ids, year: int | None = None) -> dict[str, int]:
    """Projects of the programme year (all years when None) by status; every status present."""
    years = None if year is None else [year]
    return projects_by_status_counts(Groups.one(pairing_ids), years)[(0, year)]


def projects_by_category(pairing_ids, year: int | None = None) -> dict[str, int]:
    """Projects of the programme year (all years when None) by category; every category present."""
    return _counts(_projects(pairing_ids, year), "category", ProjectCategory)


def projects_completed(pairing_ids, year: int) -> int:
    """Projects completed or accepted whose actual end falls in ``year``."""
    return projects_completed_counts(Groups.one(pairing_ids), [year])[(0, year)]


def approved_reports(pairing_ids, year: int) -> QuerySet:
    """Approved reports of ``year`` on one of the pairings or on a project of one of them."""
    return OutcomeReport.objects.filter(
        OutcomeReport.scope_q(pairing_ids), status=ReportStatus.APPROVED, year=year
    )


def indicator_totals(pairing_ids, year: int) -> dict[str, Decimal]:
    """Indicator code → the year's approved value (see ``indicator_totals_many``)."""
    return indicator_totals_many(Groups.one(pairing_ids), [year])[(0, year)]


def rate(part: int, whole: int) -> Decimal | None:
    """``part`` as a percent of ``whole`` (2 places), or None when there is no whole."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def needs_summary(pairing_ids, year: int) -> dict:
    """Needs collected in ``year`` and, of those, how many are resolved."""
    return needs_counts(Groups.one(pairing_ids), [year])[(0, year)]


def needs_by_status(pairing_ids, year: int | None = None) -> dict[str, int]:
    needs = Need.objects.filter(pairing__in=pairing_ids)
    if year is not None:
        needs = needs.filter(collected_on__year=year)
    return _counts(needs, "status", NeedStatus)


def with_progress(projects: QuerySet) -> QuerySet:
    """Projects annotated with ``latest_progress``: the percent of their latest update."""
    latest = ProgressUpdate.objects.filter(project=OuterRef("pk")).order_by("-date")
    return projects.annotate(latest_progress=Subquery(latest.values("percent")[:1]))
