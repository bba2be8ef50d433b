"""Dashboards (overview, pairing, comparison, export) and the rubric and grade pages.

Dashboards read summaries (assessments.selectors), never the raw tables, so
their query count does not depend on how many projects or deployments exist.
Scope: every page starts from ``Pairing.objects.for_user``; a pairing
outside it is a 404.
"""

from itertools import product
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from aidtrack.core import scoping
from aidtrack.core.views import (
    BrowserAccessMixin,
    ObjectDetailView,
    ObjectViews,
)
from aidtrack.core.years import default_year, year_asked
from assessments import explain, maps, sources
from assessments.choices import GradeLevel
from assessments.exports import assessment_workbook
from assessments.filters import (
    GradeThresholdFilterSet,
    OfficialGradeFilterSet,
    RubricFilterSet,
    RubricItemFilterSet,
)
from assessments.forms import (
    ComparisonForm,
    GradeThresholdForm,
    OfficialGradeForm,
    RubricForm,
    RubricItemForm,
)
from assessments.models import GradeThreshold, OfficialGrade, PairingYearSummary, Rubric, RubricItem
from assessments.selectors import (
    official_grades_read,
    summaries_read,
    summary_has_data,
    tiles_combine,
)
from assessments.services import assessment_refresh
from assessments.tables import (
    GradeThresholdTable,
    OfficialGradeTable,
    RubricItemTable,
    RubricTable,
)
from pairings.models import Pairing
from pairings.selectors import chain_ids, children_count
from projects.choices import ProjectStatus

ENDING_WITHIN_DAYS = 60
ENDING_SHOWN = 20  # on the pairing dashboard; the list behind its link has them all

# The overview's tiles, in order: (tile key, label, how to show the value).
TILE_CARDS = [
    ("fiscal_aid", gettext_lazy("Fiscal aid"), "money"),
    ("people_on_post", gettext_lazy("People on post"), "count"),
    ("cadres_sent", gettext_lazy("Cadres sent"), "count"),
    ("talents_sent", gettext_lazy("Talents sent (long-term)"), "count"),
    ("professional_person_times", gettext_lazy("Professional person-times"), "count"),
    ("enterprises", gettext_lazy("Enterprises investing"), "count"),
    ("investment_in_place", gettext_lazy("Investment in place"), "money"),
    ("parks_agricultural", gettext_lazy("Agricultural parks"), "count"),
    ("parks_industrial", gettext_lazy("Industrial parks"), "count"),
    ("consumption", gettext_lazy("Consumption support"), "money"),
    ("labour_transferred", gettext_lazy("Labour transferred"), "count"),
    ("needs_resolved", gettext_lazy("Needs resolved"), "count"),
]


def tile_cards(tiles: dict) -> list[dict]:
    return [
        {
            "key": key,
            "label": label,
            "kind": kind,
            "value": tiles.get(key, {}).get("value"),
            "url": tiles.get(key, {}).get("url"),
        }
        for key, label, kind in TILE_CARDS
    ]


# --- rubrics and official grades: the generic pages --------------------------------


class RubricDetailView(ObjectDetailView):
    template_name = "assessments/rubric_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rubric = context["object"]
        context["items"] = rubric.items.select_related("indicator")
        context["thresholds"] = rubric.thresholds.all()
        context["total_weight"] = sum(item.weight for item in context["items"])
        return context


class RubricViews(ObjectViews):
    model = Rubric
    filterset_class = RubricFilterSet
    table_class = RubricTable
    form_class = RubricForm
    detail_view = RubricDetailView


class RubricItemViews(ObjectViews):
    model = RubricItem
    filterset_class = RubricItemFilterSet
    table_class = RubricItemTable
    form_class = RubricItemForm
    detail_select_related = ("rubric", "indicator")


class GradeThresholdViews(ObjectViews):
    model = GradeThreshold
    filterset_class = GradeThresholdFilterSet
    table_class = GradeThresholdTable
    form_class = GradeThresholdForm
    detail_select_related = ("rubric",)


class OfficialGradeViews(ObjectViews):
    model = OfficialGrade
    filterset_class = OfficialGradeFilterSet
    table_class = OfficialGradeTable
    form_class = OfficialGradeForm
    detail_select_related = Pairing.name_related("pairing")


# --- dashboards --------------------------------------------------------------------


def assessment_years(user) -> list[int]:
    """The years one may pick: those with a rubric, and the current one; newest first.

    Which of them a page opens on is not decided here: that is the one rule of
    ``aidtrack.core.years.default_year`` (the latest year with data for the
    pairings in view).
    """
    current = timezone.localdate().year
    rubrics = Rubric.objects.for_user(user).filter(year__lte=current)
    return sorted(set(rubrics.values_list("year", flat=True)) | {current}, reverse=True)


def _int(raw, default=None):
    try:
        return int(raw)
    except (TypeError, ValueError):
        return default


def _period(first_raw, year: int) -> list[int]:
    """The years ``from`` … ``year`` of the overview and its export; ``year`` alone when
    ``from`` is missing or not before it."""
    first = _int(first_raw, year)
    first = year if not 2000 <= first <= year else first
    return list(range(first, year + 1))


class DashboardMixin(BrowserAccessMixin):
    """Signed-in roles that may read summaries; the year (or years) asked for."""

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and not user.may(scoping.VIEW, PairingYearSummary):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def years(self) -> list[int]:
        """The years offered, with the one shown (a year with data may have no rubric)."""
        if not hasattr(self, "_years"):
            self._years = assessment_years(self.request.user)
        shown = getattr(self, "_year", None)
        if shown is not None and shown not in self._years:
            self._years = sorted({*self._years, shown}, reverse=True)
        return self._years

    def year(self, pairing_ids=()) -> int:
        """The year asked for, else the latest with data for ``pairing_ids`` (the pairings
        the page shows): the one rule of every dashboard (aidtrack.core.years)."""
        if not hasattr(self, "_year"):
            asked = self.request.GET.get("year")
            self._year = year_asked(asked, None)
            if self._year is None:
                self._year = default_year(pairing_ids)
        return self._year

    def scoped_pairings(self):
        return (
            Pairing.objects.for_user(self.request.user)
            .select_related(*Pairing.name_related())
            .order_by(*Pairing.DISPLAY_ORDER)
        )

    def scoped_pairing(self, pk):
        return get_object_or_404(self.scoped_pairings(), pk=pk)

    # A level of the tree is read by its parent (an index on parent_id), never by
    # loading every pairing in scope and picking: the pages cost what they show.

    def top_level(self):
        """The highest pairings in scope: those whose parent is not in scope."""
        scope = self.request.user.pairing_ids_in_scope(scoping.VIEW)
        if scope is None:
            return self.scoped_pairings().filter(parent__isnull=True)
        return self.scoped_pairings().exclude(parent_id__any_id=scope)

    def level(self, parent=None):
        """The pairings right below ``parent`` (the top level without one), with how many
        pairings lie right below each."""
        pairings = self.scoped_pairings().filter(parent=parent) if parent else self.top_level()
        return pairings.annotate(below_count=children_count())

    def chain(self, pk) -> list:
        """The pairing ``pk`` and the pairings above it that are in scope, the highest
        first, in one query; empty when ``pk`` is not in scope."""
        if pk is None:
            return []
        by_id = {p.pk: p for p in self.scoped_pairings().filter(pk__in=chain_ids(pk))}
        chain, node = [], by_id.get(pk)
        while node is not None:
            chain.insert(0, node)
            node = by_id.get(node.parent_id)
        return chain

    def can_refresh(self, pairing) -> bool:
        user = self.request.user
        return user.may(scoping.CHANGE, PairingYearSummary) and (
            Pairing.objects.for_user(user, scoping.CHANGE).filter(pk=pairing.pk).exists()
        )


def _tiles_linked(tiles: dict, pairing, years) -> dict:
    """Each tile with the link to the list that recounts it over ``years``, whether it adds
    up several pairings or years or is one summary's (``sources.tile_url``)."""
    return {
        key: {
            "value": tiles.get(key, {}).get("value"),
            "url": sources.tile_url(key, pairing, years),
        }
        for key in sources.TILES
    }


def _projects_tile(tiles: dict) -> dict:
    """The projects tile: how many, by status, and the list behind them."""
    by_status = tiles["projects_by_status"]["value"] or {}
    url = tiles["projects_by_status"]["url"]
    entries = _status_labels(by_status)
    for entry in entries:  # each status's count is a link too
        joiner = "&" if "?" in (url or "") else "?"
        entry["url"] = f"{url}{joiner}{urlencode({'status': entry['status']})}" if url else None
    return {
        "projects_total": sum(by_status.values()),
        "projects_url": url,
        "projects_by_status": entries,
    }


def _status_labels(counts: dict) -> list[dict]:
    labels = dict(ProjectStatus.choices)
    return [
        {"status": status, "label": str(labels.get(status, status)), "count": count}
        for status, count in counts.items()
    ]


def _sort_by_score(rows: list[dict]) -> list[dict]:
    """Best score first, each ranked row numbered; pairings without data in the year (or
    without a score) last, in display order and unranked: no data is not "0, poor"."""
    ranked = [row for row in rows if row["has_data"] and row["summary"]["score"] is not None]
    ranked.sort(key=lambda row: row["summary"]["score"], reverse=True)
    for rank, row in enumerate(ranked, start=1):
        row["rank"] = rank
    return ranked + [row for row in rows if row not in ranked]


class OverviewView(DashboardMixin, TemplateView):
    """A year (or years) at a glance: tiles, ranking, drill-down province › city › county."""

    template_name = "assessments/overview.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        parent, breadcrumbs = None, []
        if self.request.GET.get("pairing"):
            breadcrumbs = self.chain(_int(self.request.GET["pairing"]))
            if not breadcrumbs:
                raise Http404
            parent = breadcrumbs[-1]
        level_pairings = list(self.level(parent))
        tile_ids = [parent.pk] if parent else [pairing.pk for pairing in level_pairings]
        year = self.year(tile_ids)
        period = _period(self.request.GET.get("from"), year)
        first = period[0]
        ids = {*tile_ids, *(pairing.pk for pairing in level_pairings)}
        summaries = summaries_read(ids, period)
        grades = official_grades_read(ids, [year])
        rows = _sort_by_score(
            [
                {
                    "pairing": pairing,
                    "summary": summaries.get((pairing.pk, year)),
                    "has_data": summary_has_data(summaries.get((pairing.pk, year))),
                    "official": grades.get((pairing.pk, year), {}),
                    "children": pairing.below_count,
                }
                for pairing in level_pairings
            ]
        )
        tiles = _tiles_linked(
            tiles_combine(
                summaries[(pid, y)] for pid in tile_ids for y in period if (pid, y) in summaries
            ),
            parent,
            period,
        )
        by_status = tiles["projects_by_status"]["value"] or {}
        # The map's own filter; the year form keeps it (maps.programme_asked).
        programme = maps.programme_asked(self.request.GET.get(maps.PROGRAMME))
        keep = [("pairing", parent.pk)] if parent else []
        if programme:
            keep.append((maps.PROGRAMME, programme))
        context.update(_projects_tile(tiles))
        context.update(
            year=year,
            first_year=first,
            period=period,
            years=self.years(),
            parent=parent,
            breadcrumbs=breadcrumbs,
            rows=rows,
            tiles=tile_cards(tiles),
            levels=GradeLevel.choices,
            chart_data={
                "ranking": {
                    "names": [str(row["pairing"]) for row in rows if row.get("rank")],
                    "values": [row["summary"]["score"] for row in rows if row.get("rank")],
                },
                "status": [
                    {"name": entry["label"], "value": entry["count"]}
                    for entry in _status_labels(by_status)
                ],
            },
            keep=keep,
            map_programme=programme,
            compare_url=reverse("assessments:comparison")
            + "?"
            + urlencode([("year", year), *(("pairing", row["pairing"].pk) for row in rows)])
            if len(rows) > 1
            else None,
        )
        return context


_TREND_MONEY = ("fiscal_aid", "donations", "investment_in_place", "consumption")


def _trend(summaries: dict, pairing_id: int, years: list[int]) -> dict:
    """Per year, oldest first: money by kind (万元), people on post, projects by status, score."""
    # Years with a summary only: a year not computed yet would show as a gap.
    years = sorted(year for year in years if (pairing_id, year) in summaries)
    rows = [summaries[(pairing_id, year)] for year in years]

    def tile(summary, key):
        return summary["tiles"].get(key, {}).get("value")

    statuses = sorted({s for row in rows for s in (tile(row, "projects_by_status") or {})})
    labels = dict(ProjectStatus.choices)
    return {
        "years": [str(year) for year in years],
        "money": [
            {"name": key, "data": [sources.wan(tile(row, key)) for row in rows]}
            for key in _TREND_MONEY
        ],
        "people_on_post": [tile(row, "people_on_post") for row in rows],
        "projects": [
            {
                "name": str(labels.get(status, status)),
                "data": [(tile(row, "projects_by_status") or {}).get(status, 0) for row in rows],
            }
            for status in statuses
        ],
        "score": [row["score"] for row in rows],
    }


def _ending_soonest(tree_ids) -> list:
    """The first ``ENDING_SHOWN`` (and one more, to know there are more) terms ending soon
    in ``tree_ids``, with the names the table shows.

    The soonest are picked by the deployments' partial index alone, then joined to
    the names in the same query: the nine-table join planned over a province's
    few hundred pairing ids took 15 ms to plan (0.5 ms to run); so it takes ~3 ms.
    """
    soonest = sources.ending_deployments(tree_ids, ENDING_WITHIN_DAYS).values("pk")
    return list(
        soonest.model._default_manager.filter(pk__in=soonest[: ENDING_SHOWN + 1])
        .select_related("person", *Pairing.name_related("pairing"))
        .order_by("planned_end_date", "id")
    )


class PairingAssessmentView(DashboardMixin, TemplateView):
    """One pairing: indicators against targets, grades, trends, cadres ending soon."""

    template_name = "assessments/pairing.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        pairing = self.scoped_pairing(self.kwargs["pk"])
        year = self.year([pairing.pk])
        trend_years = [y for y in self.years() if y >= pairing.start_date.year] or [year]
        summaries = summaries_read([pairing.pk], {*trend_years, year})
        summary = summaries.get((pairing.pk, year))
        official = official_grades_read([pairing.pk], [year]).get((pairing.pk, year), {})
        tiles = _tiles_linked(summary["tiles"] if summary else {}, pairing, [year])
        tree_ids = Pairing.objects.for_user(self.request.user).subtree_ids(pairing.pk)
        # The soonest few, and the list behind the link for the rest: a province's
        # tree has thousands of people whose term ends within the window.
        # Terms ending soon are today's news: a past year's dashboard lists nobody,
        # for whoever ends soon now may not have been on post in that year.
        showing_current = year >= timezone.localdate().year
        ending = _ending_soonest(tree_ids) if showing_current else []
        trend = _trend(summaries, pairing.pk, trend_years)
        money_names = {
            "fiscal_aid": _("Fiscal aid"),
            "donations": _("Donations"),
            "investment_in_place": _("Investment in place"),
            "consumption": _("Consumption support"),
        }
        for series in trend["money"]:
            series["name"] = str(money_names[series["name"]])
        trend["labels"] = {"people": _("People on post"), "score": _("Score")}
        context.update(
            pairing=pairing,
            year=year,
            years=self.years(),
            summary=summary,
            has_data=summary_has_data(summary),
            tiles=tile_cards(tiles),
            **_projects_tile(tiles),
            official=official,
            official_differs=explain.grade_differs(summary, official),
            below_target=explain.below_target(summary),
            levels=GradeLevel.choices,
            showing_current=showing_current,
            ending=ending[:ENDING_SHOWN],
            ending_more=len(ending) > ENDING_SHOWN,
            ending_shown=ENDING_SHOWN,
            ending_days=ENDING_WITHIN_DAYS,
            ending_url=sources.link(
                "cadres:deployment_list",
                None,
                status="on_post",
                ending_within=ENDING_WITHIN_DAYS,
            )(pairing, year)
            if showing_current
            else None,
            can_refresh=self.can_refresh(pairing),
            chart_data=trend,
            # The tree in scope holds a pairing below this one exactly when a child is
            # in scope (a scope is whole subtrees): no query of its own.
            has_children=len(tree_ids) > 1,
        )
        return context


class RefreshView(DashboardMixin, View):
    """Recompute a pairing's summary now (administrators and the pairing's coordinators)."""

    def post(self, request, pk):
        pairing = self.scoped_pairing(pk)
        if not self.can_refresh(pairing):
            raise PermissionDenied
        year = self.year([pairing.pk])
        summary = assessment_refresh(pairing=pairing, year=year)
        if summary.failed:
            messages.error(
                request, _("The refresh failed; the figures shown are the previous ones.")
            )
        else:
            messages.success(request, _("Figures recomputed from the records."))
        return HttpResponseRedirect(
            reverse("assessments:pairing", args=[pairing.pk]) + f"?year={year}"
        )


class ComparisonView(DashboardMixin, TemplateView):
    """Pairings or years side by side: each pairing × year is a column."""

    template_name = "assessments/comparison.html"

    def options(self, chosen: list[int]):
        """The pairings the picker lists: the chosen ones, their siblings and the pairings
        right below them, or the top level before anything is chosen. Never every
        pairing in scope (two thousand options nationally); the overview's
        "Compare" button brings any level here."""
        if not chosen:
            return self.top_level()
        parents = self.scoped_pairings().filter(pk__in=chosen).values("parent_id")
        return self.scoped_pairings().filter(
            Q(pk__in=chosen) | Q(parent_id__in=chosen) | Q(parent_id__in=parents)
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        chosen = [pk for pk in map(_int, self.request.GET.getlist("pairing")) if pk is not None]
        # The year preselected, or added when only pairings are asked for: the one rule.
        default = self.year(chosen or [pairing.pk for pairing in self.top_level()])
        data = self.request.GET.copy() if self.request.GET else None
        if data is not None and not data.getlist("year"):
            data.setlist("year", [str(default)])
        form = ComparisonForm(
            data,
            user=self.request.user,
            years=self.years(),
            options=self.options(chosen),
            initial={"year": [default]},
        )
        context.update(form=form, columns=[], rows=[])
        if not form.is_valid():
            return context
        pairings, years = list(form.cleaned_data["pairing"]), sorted(form.cleaned_data["year"])
        summaries = summaries_read([p.pk for p in pairings], years)
        grades = official_grades_read([p.pk for p in pairings], years)
        columns = [
            {
                "pairing": pairing,
                "year": year,
                "summary": summaries.get((pairing.pk, year)),
                "has_data": summary_has_data(summaries.get((pairing.pk, year))),
                "official": grades.get((pairing.pk, year), {}),
            }
            for pairing, year in product(pairings, years)
        ]
        rows: dict[tuple, dict] = {}
        for index, column in enumerate(columns):
            for figure in (column["summary"] or {}).get("figures", []):
                key = (figure["code"], figure["method"])
                row = rows.setdefault(key, {"figure": figure, "cells": [None] * len(columns)})
                row["cells"][index] = figure
        context.update(columns=columns, rows=list(rows.values()), levels=GradeLevel.choices)
        return context


class ExportView(DashboardMixin, View):
    """The assessment of the chosen pairings (or the overview's level) as .xlsx, for the
    whole period the overview shows (``from`` … ``year``): a sheet per pairing and year."""

    def get(self, request):
        chosen = [_int(raw) for raw in request.GET.getlist("pairing")]
        if chosen:
            by_id = self.scoped_pairings().in_bulk([pk for pk in chosen if pk is not None])
            if any(pk not in by_id for pk in chosen):
                raise Http404
            # A drill-down export: the pairing, then the pairings right below it.
            selected = [by_id[pk] for pk in chosen]
            if len(chosen) == 1 and request.GET.get("below"):
                selected += list(self.level(selected[0]))
        else:
            selected = list(self.top_level())
        ids = [pairing.pk for pairing in selected]
        year = self.year(ids[:1] if chosen else ids)
        period = _period(request.GET.get("from"), year)
        summaries = summaries_read(ids, period)
        grades = official_grades_read(ids, period)
        entries = [
            {
                "pairing": pairing,
                "year": each,
                "summary": summaries.get((pairing.pk, each)),
                "official": grades.get((pairing.pk, each), {}),
            }
            for each in period
            for pairing in selected
        ]
        rubrics = (
            Rubric.objects.for_user(request.user)
            .filter(year__in=period)
            .order_by("year")
            .prefetch_related("items__indicator", "thresholds")
        )
        response = HttpResponse(
            assessment_workbook(entries, rubrics),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        name = f"{period[0]}-{year}" if len(period) > 1 else f"{year}"
        response["Content-Disposition"] = f'attachment; filename="assessment-{name}.xlsx"'
        return response


class ScoringExplainedView(DashboardMixin, TemplateView):
    """How a score is made: the year's rubric (indicators, weights, methods, caps),
    its grade thresholds, where each figure comes from, and what an official grade is."""

    template_name = "assessments/scoring_explained.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        year = self.year([pairing.pk for pairing in self.top_level()])
        rubric = (
            Rubric.objects.for_user(self.request.user)
            .filter(year=year)
            .prefetch_related("items__indicator", "thresholds")
            .first()
        )
        items = list(rubric.items.all()) if rubric else []
        context.update(
            year=year,
            years=self.years(),
            rubric=rubric,
            items=[
                {
                    "item": item,
                    "origin": explain.origin(item.indicator.code),
                    "origin_url": explain.origin_url(item.indicator.code, year),
                    "computed": item.indicator.code in sources.COMPUTED,
                }
                for item in items
            ],
            total_weight=sum(item.weight for item in items),
            thresholds=rubric.thresholds.all() if rubric else [],
            keep=[],
        )
        return context


def hub_context(request, pairing) -> dict:
    """The pairing hub's 考核 tab: this year's score, grades and indicators, in brief."""
    year = year_asked(request.GET.get("year"), None) or default_year([pairing.pk])
    summary = summaries_read([pairing.pk], [year]).get((pairing.pk, year))
    return {
        "assessment_year": year,
        "assessment": summary,
        "assessment_has_data": summary_has_data(summary),
        "assessment_official": official_grades_read([pairing.pk], [year]).get(
            (pairing.pk, year), {}
        ),
        "assessment_levels": GradeLevel.choices,
        "assessment_url": reverse("assessments:pairing", args=[pairing.pk]) + f"?year={year}",
    }
