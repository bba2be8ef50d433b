"""The projects app's tabs on the pairing hub and on the project page.

Figures cover the pairing and every pairing below it, read through the
user's scope; each links to the filtered list behind it.
"""

from collections import defaultdict

from django.db.models import Count, Subquery, Sum
from django.urls import reverse

from aidtrack.core import scoping
from aidtrack.core.hub import first_page
from aidtrack.core.rollup import Groups
from pairings.models import Pairing
from projects.choices import NeedStatus, ProjectStatus, ReportStatus
from projects.models import Indicator, Need, OutcomeReport, Project
from projects.selectors import (
    indicator_totals_many,
    needs_by_status,
    needs_counts,
    with_progress,
)

RECENT_PROJECTS = 15


def _tree_ids(request, pairing) -> frozenset[int]:
    """The pairing and those below it that the user may see."""
    return Pairing.objects.for_user(request.user).subtree_ids(pairing.pk)


def _list_url(name: str, **params) -> str:
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return f"{reverse(name)}?{query}"


def pairing_projects(request, pairing) -> dict:
    """Projects by year and status with budgets (one grouped query), and the latest few."""
    ids = _tree_ids(request, pairing)
    projects = Project.objects.for_user(request.user, within=ids)
    by_year: dict[int, dict] = {}
    for row in (
        projects.order_by()
        .values("year", "status")
        .annotate(count=Count("pk"), budget=Sum("budget"))
    ):
        year = by_year.setdefault(
            row["year"], {"by_status": dict.fromkeys(ProjectStatus.values, 0), "budget": None}
        )
        if row["status"] in year["by_status"]:
            year["by_status"][row["status"]] = row["count"]
        if row["budget"] is not None:
            year["budget"] = (year["budget"] or 0) + row["budget"]
    rows = [
        {
            "year": year,
            "by_status": list(figures["by_status"].values()),
            "total": sum(figures["by_status"].values()),
            "budget": figures["budget"],
            "url": _list_url("projects:project_list", pairing=pairing.pk, year=year),
        }
        for year, figures in sorted(by_year.items(), reverse=True)
    ]
    # The latest few picked first, then their progress: the progress subquery
    # runs for those rows, not for every project of the tree before sorting.
    latest = projects.order_by("-year", "-created_at", "-pk").values("pk")[:RECENT_PROJECTS]
    recent = with_progress(
        Project.objects.filter(pk__in=Subquery(latest))
        .select_related("region")
        .order_by("-year", "-created_at", "-pk")
    )
    return {
        "project_rows": rows,
        "project_statuses": ProjectStatus.choices,
        "projects_total": sum(row["total"] for row in rows),
        "recent_projects": recent,
        "projects_url": _list_url("projects:project_list", pairing=pairing.pk),
        "can_add_project": request.user.may(scoping.ADD, Project),
    }


def pairing_outcomes(request, pairing) -> dict:
    """Approved totals per indicator and year; what waits for review."""
    ids = _tree_ids(request, pairing)
    reports = OutcomeReport.objects.for_user(request.user, within=ids)
    years = sorted(
        reports.filter(status=ReportStatus.APPROVED)
        .order_by()
        .values_list("year", flat=True)
        .distinct(),
        reverse=True,
    )
    by_code: dict[str, dict[int, object]] = defaultdict(dict)
    every_year = indicator_totals_many(Groups.one(ids), years)  # one statement for all years
    for year in years:
        for code, total in every_year[(0, year)].items():
            by_code[code][year] = total
    indicators = Indicator.objects.filter(code__in=by_code).order_by("category", "code")
    return {
        "outcome_years": years,
        "outcome_rows": [
            {
                "indicator": indicator,
                "values": [
                    (
                        year,
                        by_code[indicator.code].get(year),
                        _list_url(
                            "projects:outcomereport_list",
                            pairing=pairing.pk,
                            indicator=indicator.code,
                            year=year,
                            status=ReportStatus.APPROVED,
                        ),
                    )
                    for year in years
                ],
            }
            for indicator in indicators
        ],
        "pending_reports": reports.filter(status=ReportStatus.SUBMITTED).count(),
        "draft_reports": reports.filter(
            status__in=(ReportStatus.DRAFT, ReportStatus.RETURNED)
        ).count(),
        "queue_url": _list_url("projects:outcomereport_queue", pairing=pairing.pk),
        "reports_url": _list_url("projects:outcomereport_list", pairing=pairing.pk),
        "can_add_report": request.user.may(scoping.ADD, OutcomeReport),
    }


def pairing_needs(request, pairing) -> dict:
    ids = _tree_ids(request, pairing)
    needs = Need.objects.for_user(request.user, within=ids)
    years = sorted({day.year for day in needs.dates("collected_on", "year")}, reverse=True)
    summaries = needs_counts(Groups.one(ids), years)  # one statement for all years
    return {
        "need_rows": [
            {
                "year": year,
                **summaries[(0, year)],
                "url": _list_url("projects:need_board", pairing=pairing.pk, year=year),
            }
            for year in years
        ],
        "need_status_counts": [
            (status, label, count)
            for (status, label), count in zip(
                NeedStatus.choices, needs_by_status(ids).values(), strict=True
            )
        ],
        "board_url": _list_url("projects:need_board", pairing=pairing.pk),
        "can_add_need": request.user.may(scoping.ADD, Need),
    }


def project_outcomes(request, project) -> dict:
    """The project page's outcome tab: every report on the project, approved or not."""
    reports = OutcomeReport.objects.for_user(request.user).filter(project=project)
    return {
        "project_reports": first_page(
            reports.select_related("indicator").order_by(
                "-year", "indicator__code", "quarter", "month"
            ),
            _list_url("projects:outcomereport_list", project=project.pk),
            counted=reports,
        ),
        "can_add_report": request.user.may(scoping.ADD, OutcomeReport),
    }
