"""The browser side of import: upload, watch the check, read the preview, confirm or cancel.

Thin by design: who may import, how a job runs and when it may be confirmed
or cancelled are decided in ``jobs`` (and the rows in ``engine``); these
pages only hand the request over and show the job. A job is its importer's
(administrators see every job), so another user's job is a 404, as a record
outside one's scope is.
"""

from django import forms
from django.apps import apps
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import (
    Http404,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import urlencode
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView, View

from aidtrack.core.files import content_disposition, extension_of, file_response
from aidtrack.core.forms import bootstrap
from aidtrack.core.imports import jobs, reading
from aidtrack.core.imports.engine import CHANGED, INVALID, NEW, UNCHANGED
from aidtrack.core.imports.report import XLSX_CONTENT_TYPE, report_response
from aidtrack.core.imports.spec import ImportPlan, importables
from aidtrack.core.imports.workbooks import template_workbook
from aidtrack.core.models import ImportJob
from aidtrack.core.views import BrowserAccessMixin

# Errors listed on the job page; the error report carries them all.
ERRORS_SHOWN = 200
JOBS_PER_PAGE = 25
COUNT_KINDS = (NEW, CHANGED, UNCHANGED, INVALID)

Status = ImportJob.Status

# Bootstrap colour of each status's badge.
STATUS_STYLES = {
    Status.QUEUED: "secondary",
    Status.CHECKING: "info",
    Status.CHECKED: "primary",
    Status.INVALID: "warning",
    Status.REFUSED: "danger",
    Status.COMMITTING: "info",
    Status.COMMITTED: "success",
    Status.FAILED: "danger",
    Status.CANCELLED: "secondary",
}


def record_type(model_key: str) -> str:
    """What a job imports, as people say it: the model's plural name (the key if it is gone)."""
    try:
        return str(apps.get_model(model_key)._meta.verbose_name_plural)
    except (LookupError, ValueError):
        return model_key


def import_url(model_key: str) -> str:
    """The upload page with the record type chosen (the list pages' Import button)."""
    return f"{reverse('imports:job_add')}?{urlencode({'model': model_key})}"


def template_url(model_key: str) -> str:
    return reverse("imports:template", args=[model_key])


def importable_for(user) -> dict:
    """``model key → ObjectViews`` of the models ``user`` may import, by their names."""
    found = {key: views for key, views in importables().items() if jobs.may_import(user, views)}
    return dict(sorted(found.items(), key=lambda item: record_type(item[0])))


def _describe(job: ImportJob) -> ImportJob:
    """Attach what the pages show of a job beside its fields."""
    job.record_type = record_type(job.model)
    job.badge = STATUS_STYLES.get(job.status, "secondary")
    job.seconds = sum(s for s in (job.check_seconds, job.commit_seconds) if s is not None)
    # None until a run counted them (a refused or cancelled file has no counts).
    job.count_cells = [job.counts.get(kind) if job.counts else None for kind in COUNT_KINDS]
    return job


class JobMixin(BrowserAccessMixin):
    """A page of one job: its importer's, or any for an administrator; 404 otherwise."""

    def get_job(self) -> ImportJob:
        queryset = ImportJob.objects.for_user(self.request.user).select_related("created_by")
        return _describe(get_object_or_404(queryset, pk=self.kwargs["pk"]))


# -- the history -------------------------------------------------------------------------


class JobListView(BrowserAccessMixin, TemplateView):
    template_name = "imports/job_list.html"

    def get(self, request, *args, **kwargs):
        queryset = ImportJob.objects.for_user(request.user).select_related("created_by")
        page = Paginator(queryset, JOBS_PER_PAGE).get_page(request.GET.get("page"))
        context = self.get_context_data(
            page=page,
            jobs=[_describe(job) for job in page.object_list],
            can_import=bool(importable_for(request.user)),
        )
        return self.render_to_response(context)


# -- the upload ----------------------------------------------------------------------------


class UploadForm(forms.Form):
    model = forms.ChoiceField(label=gettext_lazy("Record type"))
    file = forms.FileField(
        label=gettext_lazy("Spreadsheet"),
        help_text=gettext_lazy(
            "An Excel workbook (.xlsx) or a CSV file (UTF-8 or GBK), its first row the "
            "template's headers."
        ),
    )

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["model"].choices = [("", "---------"), *choices]
        upload = self.fields["file"]
        upload.widget.attrs["accept"] = ",".join(f".{e}" for e in reading.EXTENSIONS)
        limit = _("At most %(size)s MB.") % {"size": f"{settings.IMPORT_MAX_BYTES / 1024**2:g}"}
        upload.help_text = f"{upload.help_text} {limit}"
        for field in self.fields.values():
            bootstrap(field)

    def clean_file(self):
        """A name no import reads is refused here; what the file holds, the check reads."""
        uploaded = self.cleaned_data["file"]
        try:
            reading.refuse_by_extension(extension_of(uploaded.name))
        except reading.FileRefused as refused:
            raise ValidationError(refused.message, code="invalid") from refused
        return uploaded


class JobAddView(BrowserAccessMixin, TemplateView):
    """Choose the record type, get its template, upload the filled sheet."""

    template_name = "imports/job_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.uses_browser:
            self.importable = importable_for(request.user)
            if not self.importable:
                raise PermissionDenied(_("You may not import records."))
        return super().dispatch(request, *args, **kwargs)

    def get_form(self):
        choices = [(key, record_type(key)) for key in self.importable]
        if self.request.method == "POST":
            return UploadForm(self.request.POST, self.request.FILES, choices=choices)
        chosen = self.request.GET.get("model")
        initial = {"model": chosen} if chosen in self.importable else {}
        return UploadForm(initial=initial, choices=choices)

    def get(self, request, *args, **kwargs):
        return self.render_form(self.get_form())

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        if form.is_valid():
            try:
                job = jobs.job_start(
                    user=request.user,
                    model_key=form.cleaned_data["model"],
                    uploaded=form.cleaned_data["file"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)  # a field's error lands on that field
            else:
                return HttpResponseRedirect(reverse("imports:job_detail", args=[job.pk]))
        return self.render_form(form, status=400)

    def render_form(self, form, status=200):
        chosen = form["model"].value()
        context = self.get_context_data(
            form=form,
            template_url=template_url(chosen) if chosen in self.importable else "",
            # The link follows the choice (static/js/imports.js); "__model__" stands for it.
            template_pattern=template_url("__model__"),
        )
        return self.render_to_response(context, status=status)


class TemplateDownloadView(BrowserAccessMixin, View):
    """The model's template for this user: the form's fields, their choices scoped to them."""

    def get(self, request, model):
        views = importables().get(model)
        if views is None:
            raise Http404
        if not jobs.may_import(request.user, views):
            raise PermissionDenied(_("You may not import these records."))
        plan = ImportPlan(views, request.user)
        plan.list_reference_choices()
        title = record_type(model)
        workbook = template_workbook(
            title=title, columns=plan.template_columns(), instructions=template_instructions()
        )
        response = HttpResponse(workbook, content_type=XLSX_CONTENT_TYPE)
        name = _("%(records)s import template") % {"records": title}
        response["Content-Disposition"] = content_disposition(f"{name}.xlsx")
        response["X-Content-Type-Options"] = "nosniff"
        return response


def template_instructions() -> list[str]:
    """The first lines of a template's instructions sheet (its columns are explained after)."""
    return [
        _("Enter one record per row, starting in row 2 of the first sheet."),
        _(
            "Fill the required columns in every row: a row with an empty required cell is "
            "reported as an error, with its row number."
        ),
        _(
            "Amounts are in yuan (元) or in 10,000 yuan (万元), as the column header says; "
            "change the header to the unit you use."
        ),
        _(
            "Dates may be Excel dates or text such as 2023-05-01, 2023/5/1, 2023.5.1 "
            "or 2023年5月1日."
        ),
        _(
            "Records already in AidTrack are named by their code or their full name: a "
            "region by its code or full name (贵州省六盘水市水城区), an organisation by its "
            "name or unified social credit code, a person by ID number, a project by its "
            "code, a pairing as AidTrack writes it (中山市 → 六盘水市)."
        ),
        _(
            "Importing the same file again changes nothing: a row equal to a stored record "
            "is left as it is."
        ),
        _(
            "After the upload every row is checked first and nothing is written: you see "
            "the new, changed and invalid rows and confirm the import only then. It is "
            "written all at once or not at all."
        ),
    ]


# -- a job -----------------------------------------------------------------------------------


class JobDetailView(JobMixin, TemplateView):
    template_name = "imports/job_detail.html"

    def get(self, request, *args, **kwargs):
        job = self.get_job()
        views = importables().get(job.model)
        context = self.get_context_data(
            job=job,
            **running_state(job),
            errors=job.errors[:ERRORS_SHOWN],
            errors_withheld=max(job.error_count - ERRORS_SHOWN, 0),
            list_url=reverse(views.list_url()) if views is not None else "",
            import_again_url=import_url(job.model),
            companion_type=_companion_type(views),
        )
        return self.render_to_response(context)


class JobStatusView(JobMixin, View):
    """The job's state as JSON, polled by its page while it runs (static/js/imports.js)."""

    def get(self, request, *args, **kwargs):
        job = self.get_job()
        state = {
            "status": job.status,
            "status_label": str(job.get_status_display()),
            **running_state(job),
            "counts": job.counts,
            "error_count": job.error_count,
            "finished": not job.is_running,
        }
        response = JsonResponse(state)
        add_never_cache_headers(response)  # polled: every answer must be the server's now
        return response


def _companion_type(views) -> str:
    """The plural name of the records a row carries besides its own (a roster's deployments)."""
    companion = getattr(getattr(views, "imports", None), "companion", None)
    if not companion:
        return ""
    return str(import_string(companion[0]).model._meta.verbose_name_plural)


def running_state(job: ImportJob) -> dict:
    """How far a running job is: ``progress`` (the cache's), ``percent`` (None while
    the total is unknown: the check counts rows as it reads them) and the words."""
    progress = jobs.progress_of(job) if job.is_running else {}
    rows = progress.get("rows")
    # The commit runs the rows the check counted.
    total = job.rows if job.status == Status.COMMITTING and job.rows else None
    percent = None
    if total and rows is not None:
        percent = min(100, round(100 * rows / total))
    return {
        "progress": progress,
        "total": total,
        "percent": percent,
        "progress_text": _progress_text(job, rows, total),
    }


def _progress_text(job: ImportJob, rows, total) -> str:
    if not job.is_running:
        return str(job.get_status_display())
    if job.status == Status.QUEUED:
        return _("Waiting to start…")
    if rows is None:
        return _("%(status)s…") % {"status": job.get_status_display()}
    if job.status == Status.COMMITTING:
        if total:
            return _("Rows committed: %(rows)s of %(total)s") % {"rows": rows, "total": total}
        return _("Rows committed so far: %(rows)s") % {"rows": rows}
    return _("Rows checked so far: %(rows)s") % {"rows": rows}


class JobConfirmView(JobMixin, View):
    def post(self, request, *args, **kwargs):
        job = self.get_job()
        try:
            jobs.job_confirm(job, user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return HttpResponseRedirect(reverse("imports:job_detail", args=[job.pk]))


class JobCancelView(JobMixin, View):
    def post(self, request, *args, **kwargs):
        job = self.get_job()
        try:
            jobs.job_cancel(job, user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The import was cancelled; nothing was written."))
        return HttpResponseRedirect(reverse("imports:job_detail", args=[job.pk]))


class JobReportView(JobMixin, View):
    """The uploaded sheet again, each row's errors in a last column."""

    def get(self, request, *args, **kwargs):
        return report_response(self.get_job())


class JobFileView(JobMixin, View):
    """The file as it was uploaded."""

    def get(self, request, *args, **kwargs):
        return file_response(self.get_job(), user=request.user)
