"""``/api/v1/imports/``: spreadsheet import jobs over the API, as the pages run them.

A partner uploads a sheet (``POST``, multipart ``file`` and ``model``), polls
the job (``GET …/{id}/``) until the background check is done, reads the
preview (counts, errors by row and column, changes before → after), then
confirms (``POST …/{id}/confirm/``) or cancels (``POST …/{id}/cancel/``);
``GET …/{id}/report/`` is the sheet again with each row's errors (``report``).

The rules are ``jobs``' (who may import which model, what may be confirmed or
cancelled): this module only translates them into HTTP. A job is its
importer's (``ImportJob.objects.for_user``): another user's is a 404.
"""

from django.core.exceptions import ValidationError
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, parsers, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from aidtrack.core import scoping
from aidtrack.core.api_defaults import CappedCursorPagination, Conflict, ScopedModelPermission
from aidtrack.core.idempotency import IdempotentPostMixin
from aidtrack.core.imports import jobs
from aidtrack.core.imports.report import XLSX_CONTENT_TYPE, report_response
from aidtrack.core.imports.spec import importables
from aidtrack.core.models import ImportJob
from aidtrack.core.params import (
    IdListFilter,
    StrictParametersMixin,
    requested_fields,
    select_fields,
)

# -- what a job looks like ------------------------------------------------------------------
# The nested shapes document the JSON the engine stores (engine.Outcome); they are not
# run over each of its up to 10,000 errors: the stored lists are answered as they are.


class ImportCountsSerializer(serializers.Serializer):
    new = serializers.IntegerField(help_text="Rows that add a record.")
    changed = serializers.IntegerField(help_text="Rows that change the record their key names.")
    unchanged = serializers.IntegerField(help_text="Rows equal to a record already stored.")
    invalid = serializers.IntegerField(help_text="Rows with at least one error.")


class ImportRowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="The row number as the spreadsheet shows it.")
    column = serializers.CharField(help_text="The column's header, or “(row)” for the whole row.")
    message = serializers.CharField()


class ImportFieldChangeSerializer(serializers.Serializer):
    column = serializers.CharField()
    before = serializers.CharField()
    after = serializers.CharField()


class ImportChangeSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    record = serializers.CharField(help_text="The record the row changes, as its pages name it.")
    fields = ImportFieldChangeSerializer(many=True)


class ImportProgressSerializer(serializers.Serializer):
    phase = serializers.ChoiceField(
        choices=[("check", "check"), ("commit", "commit")],
        help_text="`check` while the dry run reads the sheet, `commit` while it is written.",
    )
    rows = serializers.IntegerField(help_text="Rows done so far in this phase.")


_COUNTED = ("new", "changed", "unchanged", "invalid")


def _counted(counts: dict) -> dict:
    return {name: counts.get(name, 0) for name in _COUNTED}


class ImportJobSerializer(serializers.ModelSerializer):
    """An import job: where it stands, what its check found, what it wrote."""

    status_label = serializers.CharField(source="get_status_display", read_only=True)
    counts = serializers.SerializerMethodField()
    companion_counts = serializers.SerializerMethodField()
    errors = serializers.SerializerMethodField()
    changes = serializers.SerializerMethodField()
    ignored_columns = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="Headers of the sheet that are no column of the record type (not read).",
    )
    progress = serializers.SerializerMethodField()
    created_by = serializers.CharField(source="created_by.username", read_only=True)
    can_commit = serializers.BooleanField(read_only=True)
    can_cancel = serializers.BooleanField(read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "model",
            "file_name",
            "status",
            "status_label",
            "message",
            "rows",
            "counts",
            "companion_counts",
            "error_count",
            "errors",
            "changes",
            "ignored_columns",
            "progress",
            "created_by",
            "created_at",
            "checked_at",
            "check_seconds",
            "committed_at",
            "commit_seconds",
            "can_commit",
            "can_cancel",
            "url",
        ]
        read_only_fields = fields

    @extend_schema_field(ImportCountsSerializer)
    def get_counts(self, job) -> dict:
        return _counted(job.counts)

    @extend_schema_field(ImportCountsSerializer(allow_null=True))
    def get_companion_counts(self, job) -> dict | None:
        """The records the rows carried besides their own (a roster's deployments); else null."""
        return _counted(job.companion_counts) if job.companion_counts else None

    @extend_schema_field(ImportRowErrorSerializer(many=True))
    def get_errors(self, job) -> list:
        return job.errors

    @extend_schema_field(ImportChangeSerializer(many=True))
    def get_changes(self, job) -> list:
        return job.changes

    @extend_schema_field(ImportProgressSerializer(allow_null=True))
    def get_progress(self, job) -> dict | None:
        """Rows done so far while the job runs (kept in the cache by the task); else null."""
        if not job.is_running:
            return None
        known = jobs.progress_of(job)
        phase = "commit" if job.status == ImportJob.Status.COMMITTING else "check"
        return {"phase": known.get("phase", phase), "rows": known.get("rows", 0)}

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_url(self, job) -> str | None:
        """The job's page in the browser (null where the pages are not installed)."""
        try:
            path = reverse("imports:job_detail", args=[job.pk])
        except NoReverseMatch:
            return None
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class ImportUploadSerializer(serializers.Serializer):
    """The upload: the sheet and the record type its rows are."""

    file = serializers.FileField(
        help_text="The sheet: .xlsx, or .csv in UTF-8 (with or without BOM) or GB18030.",
    )
    model = serializers.ChoiceField(
        choices=(),
        help_text="The record type, `app_label.model_name` (the template's).",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Read when used, not when this module loads: importables() reads every app's pages.
        self.fields["model"].choices = [
            (key, views.model._meta.verbose_name) for key, views in importables().items()
        ]


# -- who may ------------------------------------------------------------------------------


class MayImport(permissions.BasePermission):
    """An upload needs a role that may import at least one record type (jobs.may_import).

    Which type is checked by ``jobs.job_start`` for the model named; this only
    answers a role that may import nothing (a leader) with 403 before its body
    is read, as every other write is.
    """

    message = _("You may not import records.")

    def has_permission(self, request, view):
        if view.action != "create":
            return True
        user = request.user
        return any(jobs.may_import(user, views) for views in importables().values())


class NewestFirst(CappedCursorPagination):
    ordering = "-id"


# -- the resource ---------------------------------------------------------------------------


class ImportJobViewSet(
    StrictParametersMixin,
    IdempotentPostMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Spreadsheet imports: upload, poll, then confirm or cancel (see docs/api.md)."""

    serializer_class = ImportJobSerializer
    # ScopedModelPermission finds no model here (no ``queryset`` attribute), so it asks
    # only what it asks of every request: signed in, and a write-enabled token to write.
    # Whether the role may import is the import's own rule (MayImport, jobs.job_start).
    permission_classes = [ScopedModelPermission, MayImport]
    pagination_class = NewestFirst
    filter_backends = [IdListFilter]
    # A file travels only as multipart; JSON still reaches the validation (a 400, not a 415).
    parser_classes = [parsers.MultiPartParser, parsers.JSONParser]
    action_scopes = {"confirm": scoping.CHANGE, "cancel": scoping.CHANGE}

    def get_queryset(self):
        return ImportJob.objects.for_user(self.request.user).select_related("created_by")

    def get_serializer(self, *args, **kwargs):
        serializer = super().get_serializer(*args, **kwargs)
        return select_fields(serializer, requested_fields(self.request))  # ?fields=

    def _answer(self, job, status_code, **headers):
        job = self.get_queryset().get(pk=job.pk)  # as the background work has left it
        return Response(self.get_serializer(job).data, status=status_code, headers=headers)

    @extend_schema(
        request=ImportUploadSerializer,
        responses={201: ImportJobSerializer},
        description=(
            "Upload a sheet for a record type. The answer is the job; its check runs in the "
            "background (poll the job until `status` is no longer `queued` or `checking`). "
            "A file that cannot be read is not a 400: the job ends `refused` with the reason "
            "in `message`. 403 for a role that may not import the record type."
        ),
    )
    def create(self, request):
        upload = ImportUploadSerializer(data=request.data, context=self.get_serializer_context())
        upload.is_valid(raise_exception=True)
        job = jobs.job_start(
            user=request.user,
            model_key=upload.validated_data["model"],
            uploaded=upload.validated_data["file"],
        )
        location = request.build_absolute_uri(reverse("api:import-detail", args=[job.pk]))
        return self._answer(job, status.HTTP_201_CREATED, Location=location)

    @extend_schema(
        request=None,
        responses={202: ImportJobSerializer},
        description=(
            "Commit a checked job without errors (`can_commit`): all rows or none, in the "
            "background; poll the job until `committed` (or `failed`, nothing written). "
            "409 when the job is not checked, has errors or was cancelled."
        ),
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        job = self._run(jobs.job_confirm, self.get_object())
        return self._answer(job, status.HTTP_202_ACCEPTED)

    @extend_schema(
        request=None,
        responses={200: ImportJobSerializer},
        description=(
            "Stop a job before its commit: a queued or checked job is cancelled at once, a "
            "running check at its next batch. 409 once it is committing or finished."
        ),
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        job = self._run(jobs.job_cancel, self.get_object())
        return self._answer(job, status.HTTP_200_OK)

    @extend_schema(
        responses={(200, XLSX_CONTENT_TYPE): OpenApiTypes.BINARY},
        description=(
            "The error report: the uploaded sheet again as .xlsx, each row's errors in a last "
            "column, to fix and upload again. 404 for a job without errors. Send `Accept: */*` "
            "(or omit it)."
        ),
    )
    @action(detail=True, methods=["get"])
    def report(self, request, pk=None):
        return report_response(self.get_object())

    def _run(self, step, job):
        """A step of jobs.py; its refusal (the job's state) is a 409 ``conflict``."""
        try:
            return step(job, user=self.request.user)
        except ValidationError as refused:
            raise Conflict(" ".join(refused.messages)) from refused
