from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from aidtrack.core import scoping
from aidtrack.core.forms import add_model_errors
from aidtrack.core.hub import PROJECT_PAGE, hub_tabs, selected_tab
from aidtrack.core.imports.spec import Importable
from aidtrack.core.views import (
    FilterFormStatusMixin,
    ObjectDetailView,
    ObjectViewMixin,
    ObjectViews,
    save_form,
    save_in_scope,
)
from pairings.models import Pairing
from projects.choices import NeedStatus, ProjectStatus, ReportStatus
from projects.filters import (
    IndicatorFilterSet,
    NeedFilterSet,
    OutcomeEvidenceFilterSet,
    OutcomeReportFilterSet,
    ProgressUpdateFilterSet,
    ProjectAttachmentFilterSet,
    ProjectFilterSet,
)
from projects.forms import (
    IndicatorForm,
    NeedForm,
    OutcomeEvidenceForm,
    OutcomeReportForm,
    ProgressEntryForm,
    ProgressUpdateForm,
    ProjectAttachmentForm,
    ProjectForm,
)
from projects.models import (
    Indicator,
    Need,
    OutcomeEvidence,
    OutcomeReport,
    ProgressUpdate,
    Project,
    ProjectAttachment,
)
from projects.services import report_review_bulk, report_reviewers
from projects.tables import (
    IndicatorTable,
    NeedTable,
    OutcomeEvidenceTable,
    OutcomeReportTable,
    ProgressUpdateTable,
    ProjectAttachmentTable,
    ProjectTable,
)

# -- indicators ----------------------------------------------------------------


class IndicatorViews(ObjectViews):
    """The catalogue: read by everyone, written by administrators (reference data)."""

    model = Indicator
    filterset_class = IndicatorFilterSet
    table_class = IndicatorTable
    form_class = IndicatorForm


# -- projects --------------------------------------------------------------------


class ProjectDetailView(ObjectDetailView):
    """The project page: details, status steps, then the overview or another app's tab."""

    template_name = "projects/project_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        project = context["object"]
        user = self.request.user
        tabs = hub_tabs(user, PROJECT_PAGE)
        tab = selected_tab(tabs, self.request.GET.get("tab"))
        context.update(
            page_tabs=tabs,
            page_tab=tab,
            can_record_progress=(
                project.status == ProjectStatus.IN_PROGRESS and user.may(scoping.CHANGE, Project)
            ),
        )
        if tab is not None:
            context.update(tab.context_function(self.request, project))
            return context
        updates = list(
            ProgressUpdate.objects.for_user(user)
            .filter(project=project)
            .prefetch_related("attachments")
            .order_by("-date")
        )
        context.update(
            progress_updates=updates,
            latest_progress=updates[0].percent if updates else 0,
            attachments=ProjectAttachment.objects.for_user(user).filter(
                project=project, progress_update__isnull=True
            ),
            children=Project.objects.for_user(user).filter(parent=project),
            needs=Need.objects.for_user(user).filter(matched_project=project),
        )
        return context


class ProjectViews(ObjectViews):
    model = Project
    filterset_class = ProjectFilterSet
    table_class = ProjectTable
    form_class = ProjectForm
    imports = Importable(key=("code",), codes=("code",))
    detail_view = ProjectDetailView
    money_fields = ("budget",)
    detail_fields = (
        "code",
        "name",
        "pairing",
        "parent",
        "region",
        "village",
        "category",
        "year",
        "status",
        "planned_start_date",
        "planned_end_date",
        "actual_start_date",
        "actual_end_date",
        "accepted_on",
        "beneficiaries",
        "beneficiaries_formerly_poor",
        "lead_organization",
        "implementing_organization",
        "description",
        "cancelled_on",
        "cancellation_reason",
    )
    detail_select_related = (
        "parent",
        "region",
        "lead_organization",
        "implementing_organization",
        *Pairing.name_related("pairing"),
    )


class ProgressEntryView(ObjectViewMixin, TemplateView):
    """Progress from the site, on a phone: percent, a note and photos, one screen."""

    template_name = "projects/progress_entry.html"
    action = scoping.CHANGE

    def get_form(self, project):
        if self.request.method == "POST":
            return ProgressEntryForm(self.request.POST, self.request.FILES, project=project)
        return ProgressEntryForm(project=project)

    def get(self, request, *args, **kwargs):
        project = self.get_object()
        return self.render(project, self.get_form(project))

    def post(self, request, *args, **kwargs):
        project = self.get_object()
        form = self.get_form(project)
        if form.is_valid():
            try:
                save_in_scope(
                    lambda: save_form(form, user=request.user),
                    user=request.user,
                    action=scoping.CHANGE,
                )
            except ValidationError as exc:
                add_model_errors(form, exc)
            else:
                messages.success(request, _("Progress recorded."))
                return HttpResponseRedirect(project.get_absolute_url())
        return self.render(project, form, status=400)

    def render(self, project, form, status=200):
        latest = project.progress_updates.order_by("-date").first()
        context = self.get_context_data(object=project, form=form, latest=latest)
        return self.render_to_response(context, status=status)


class ProgressUpdateViews(ObjectViews):
    model = ProgressUpdate
    filterset_class = ProgressUpdateFilterSet
    table_class = ProgressUpdateTable
    form_class = ProgressUpdateForm
    imports = Importable(exclude=("files",))
    path_prefix = "progress-updates"
    detail_select_related = ("project",)


class ProjectAttachmentViews(ObjectViews):
    model = ProjectAttachment
    filterset_class = ProjectAttachmentFilterSet
    table_class = ProjectAttachmentTable
    form_class = ProjectAttachmentForm
    path_prefix = "attachments"
    detail_fields = ("project", "progress_update", "title", "file", "size")
    detail_select_related = ("project", "progress_update__project")


# -- outcome reports -----------------------------------------------------------------


class OutcomeReportDetailView(ObjectDetailView):
    template_name = "projects/outcomereport_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        report = context["object"]
        user = self.request.user
        context.update(
            reviews=report.reviews.select_related("user"),
            evidence=OutcomeEvidence.objects.for_user(user).filter(report=report),
            can_add_evidence=user.may(scoping.ADD, OutcomeEvidence)
            and report.locked_reason(user) is None,
            # Who was told it awaits review (services.report_reviewers), until one decides.
            awaiting_reviewers=report_reviewers(report)
            if report.status == ReportStatus.SUBMITTED
            else (),
        )
        return context


class OutcomeReportViews(ObjectViews):
    model = OutcomeReport
    filterset_class = OutcomeReportFilterSet
    table_class = OutcomeReportTable
    form_class = OutcomeReportForm
    imports = Importable(
        key=("indicator", "pairing", "project", "year", "quarter", "month"),
        key_blanks=("pairing", "project", "quarter", "month"),
        exclude=("breakdown",),
    )
    detail_view = OutcomeReportDetailView
    path_prefix = "outcome-reports"
    detail_fields = (
        "indicator",
        (gettext_lazy("subject"), "subject"),
        (gettext_lazy("period"), "period_label"),
        "value",
        "note",
        "status",
        "submitted_at",
        "submitted_by",
        "reviewed_at",
        "reviewed_by",
        "review_comment",
    )
    detail_select_related = (
        "indicator",
        "project",
        "submitted_by",
        "reviewed_by",
        *Pairing.name_related("pairing"),
    )


class ReviewQueueView(FilterFormStatusMixin, ObjectViewMixin, TemplateView):
    """Submitted reports the reviewer may decide, ticked and approved or returned together."""

    template_name = "projects/review_queue.html"
    action = scoping.CHANGE

    def queue(self):
        # Only what the reviewer may decide: never their own submissions.
        reports = self.get_queryset().filter(
            OutcomeReport.reviewable_by_q(self.request.user), status=ReportStatus.SUBMITTED
        )
        filterset = OutcomeReportFilterSet(
            self.request.GET or None, queryset=reports, request=self.request
        )
        queryset = filterset.filtered.select_related(
            "indicator", "project", "submitted_by", *Pairing.name_related("pairing")
        ).order_by("submitted_at", "pk")
        return filterset, queryset

    def get(self, request, *args, **kwargs):
        filterset, reports = self.queue()
        context = self.get_context_data(filter_form=filterset.form, reports=reports)
        return self.render_to_response(context)

    def post(self, request, *args, **kwargs):
        ids = [int(pk) for pk in request.POST.getlist("report") if pk.isascii() and pk.isdigit()]
        decision = request.POST.get("decision")
        comment = request.POST.get("comment", "").strip()
        if decision not in ("approve", "return") or not ids:
            messages.error(request, _("Tick at least one report and choose approve or return."))
            return HttpResponseRedirect(request.get_full_path())
        if decision == "return" and not comment:
            messages.error(request, _("Say what needs correcting when returning reports."))
            return HttpResponseRedirect(request.get_full_path())
        # Only reports in the reviewer's scope: others are silently not there.
        reports = self.get_queryset().filter(pk__in=ids).order_by("pk")
        done, refused = report_review_bulk(
            reports=reports, user=request.user, approve=decision == "approve", comment=comment
        )
        if done:
            template = (
                _("Approved: %(count)s.") if decision == "approve" else _("Returned: %(count)s.")
            )
            messages.success(request, template % {"count": len(done)})
        for report, reason in refused:
            messages.error(request, f"{report}: {reason}")
        return HttpResponseRedirect(request.get_full_path())


class OutcomeEvidenceViews(ObjectViews):
    model = OutcomeEvidence
    filterset_class = OutcomeEvidenceFilterSet
    table_class = OutcomeEvidenceTable
    form_class = OutcomeEvidenceForm
    path_prefix = "evidence"
    detail_fields = ("report", "title", "file", "size")
    detail_select_related = (
        "report__indicator",
        "report__project",
        *Pairing.name_related("report__pairing"),
    )


# -- needs -------------------------------------------------------------------------


class NeedViews(ObjectViews):
    model = Need
    filterset_class = NeedFilterSet
    table_class = NeedTable
    form_class = NeedForm
    imports = Importable()
    detail_fields = (
        "pairing",
        "raised_by_region",
        "raised_by_department",
        "collected_on",
        "category",
        "priority",
        "description",
        "status",
        "matched_team",
        "matched_deployment",
        "matched_project",
        "matched_on",
        "resolved_on",
        "resolution_note",
    )
    detail_select_related = (
        "raised_by_region",
        "matched_team",
        "matched_project",
        "matched_deployment__person",
        *Pairing.name_related("pairing"),
    )


class NeedBoardView(FilterFormStatusMixin, ObjectViewMixin, TemplateView):
    """Needs in columns by status, filtered like the list."""

    template_name = "projects/need_board.html"
    # Each column shows this many cards; its count links to the full list.
    CARDS_PER_COLUMN = 50

    def get(self, request, *args, **kwargs):
        filterset = NeedFilterSet(
            request.GET or None,
            queryset=self.get_queryset().select_related("raised_by_region"),
            request=request,
        )
        needs = filterset.filtered
        counts = dict.fromkeys(NeedStatus.values, 0)
        for row in needs.order_by().values("status").annotate(n=Count("pk")):
            counts[row["status"]] = row["n"]
        query = request.GET.copy()
        query.pop("status", None)
        columns = [
            {
                "status": status,
                "label": label,
                "count": counts[status],
                "needs": needs.filter(status=status).order_by("-collected_on", "pk")[
                    : self.CARDS_PER_COLUMN
                ],
                "list_url": f"{reverse('projects:need_list')}?{query.urlencode()}&status={status}",
            }
            for status, label in NeedStatus.choices
        ]
        context = self.get_context_data(filter_form=filterset.form, columns=columns)
        return self.render_to_response(context)
