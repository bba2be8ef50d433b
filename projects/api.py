"""Projects, progress, attachments, indicators, outcome reports, evidence and needs over the API.

Writes go through the same services as the pages. Workflow steps are
explicit actions (``POST …/<id>/submit/``); one the record's state does not
allow is refused with 409 and the reason.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from aidtrack.core import scoping
from aidtrack.core.api import ScopedModelViewSet, ValidatedModelSerializer
from cadres.models import Deployment, Team
from pairings.api import region_by_code
from pairings.models import Pairing
from projects.filters import (
    IndicatorFilterSet,
    NeedFilterSet,
    OutcomeEvidenceFilterSet,
    OutcomeReportFilterSet,
    ProgressUpdateFilterSet,
    ProjectAttachmentFilterSet,
    ProjectFilterSet,
)
from projects.models import (
    Indicator,
    Need,
    OutcomeEvidence,
    OutcomeReport,
    OutcomeReportReview,
    ProgressUpdate,
    Project,
    ProjectAttachment,
)
from projects.selectors import indicator_totals, needs_summary, with_progress
from projects.services import (
    TransitionNotAllowed,
    need_match,
    need_resolve,
    need_withdraw,
    progress_save,
    project_accept,
    project_approve,
    project_cancel,
    project_complete,
    project_save,
    project_start,
    report_approve,
    report_reopen,
    report_return,
    report_submit,
)


class Conflict(exceptions.APIException):
    """The record's state does not allow the step (409), with the reason."""

    status_code = 409
    default_code = "conflict"
    default_detail = _("Not possible in the record's present state.")


class TransitionViewSet(ScopedModelViewSet):
    """Status steps as POST actions, refused with 409 when their preconditions fail."""

    # Actions that move a record on; a record's lock does not apply to them
    # (approving is what a submitted report waits for), the services decide.
    transitions: tuple[str, ...] = ()

    def get_object(self):
        if self.action in self.transitions:
            return viewsets.ModelViewSet.get_object(self)
        return super().get_object()

    def run_action(self, service, payload_class=None, **fixed):
        try:
            return super().run_action(service, payload_class, **fixed)
        except TransitionNotAllowed as exc:
            raise Conflict(" ".join(exc.messages)) from exc


def _scoped_tree(request) -> tuple[Pairing, frozenset[int], int]:
    """The ``pairing`` and ``year`` query parameters: the visible pairing tree and the year."""
    errors = {}
    try:
        pairing_id = int(request.query_params.get("pairing", ""))
    except ValueError:
        errors["pairing"] = [_("Give the pairing's id.")]
    try:
        year = int(request.query_params.get("year", ""))
    except ValueError:
        errors["year"] = [_("Give the year, e.g. 2023.")]
    if errors:
        raise exceptions.ValidationError(errors)
    visible = Pairing.objects.for_user(request.user)
    pairing = visible.filter(pk=pairing_id).first()
    if pairing is None:
        raise Http404
    tree = Pairing.objects.descendant_ids([pairing.pk])
    return pairing, frozenset(visible.filter(pk__in=tree).values_list("pk", flat=True)), year


_TREE_PARAMETERS = [
    OpenApiParameter("pairing", OpenApiTypes.INT, required=True, description="incl. below"),
    OpenApiParameter("year", OpenApiTypes.INT, required=True),
]


# -- indicators ------------------------------------------------------------------


class IndicatorSerializer(ValidatedModelSerializer):
    class Meta:
        model = Indicator
        fields = [
            "id",
            "code",
            "name_zh",
            "name_en",
            "unit",
            "category",
            "aggregation",
            "higher_is_better",
            "computed",
            "breakdown_schema",
            "description",
            "active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]


class IndicatorViewSet(ScopedModelViewSet):
    """The indicator catalogue: everyone reads, administrators write."""

    queryset = Indicator.objects.all()
    serializer_class = IndicatorSerializer
    filterset_class = IndicatorFilterSet


# -- projects ---------------------------------------------------------------------


class ProjectSerializer(ValidatedModelSerializer):
    region = region_by_code()
    code = serializers.CharField(
        max_length=40, required=False, allow_blank=True, help_text="Generated when empty."
    )
    latest_progress = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = Project
        fields = [
            "id",
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
            "budget",
            "beneficiaries",
            "beneficiaries_formerly_poor",
            "lead_organization",
            "implementing_organization",
            "description",
            "latest_progress",
            "cancelled_on",
            "cancellation_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "status",
            "accepted_on",
            "cancelled_on",
            "cancellation_reason",
            "created_at",
            "updated_at",
        ]

    def validate_code(self, value: str) -> str:
        if self.instance is not None and value != self.instance.code:
            raise serializers.ValidationError(_("A project's code cannot be changed."))
        return value.strip()

    def create(self, validated_data):
        return project_save(project=Project(**validated_data))

    def update(self, instance, validated_data):
        for name, value in validated_data.items():
            setattr(instance, name, value)
        return project_save(project=instance)


class OptionalDateSerializer(serializers.Serializer):
    on = serializers.DateField(required=False, allow_null=True)


class OnDateSerializer(serializers.Serializer):
    on = serializers.DateField()


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


class ProjectViewSet(TransitionViewSet):
    """Projects; status steps are actions, as on the project page."""

    queryset = Project.objects.all()
    serializer_class = ProjectSerializer
    filterset_class = ProjectFilterSet
    select_related = ("region",)
    transitions = ("approve", "start", "complete", "accept", "cancel")
    action_scopes = dict.fromkeys(transitions, scoping.CHANGE)
    record_argument = "project"

    def get_queryset(self):
        return with_progress(super().get_queryset())

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Planned → approved (needs a budget and planned dates)."""
        return self.run_action(project_approve)

    @extend_schema(request=OptionalDateSerializer)
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        """Approved → in progress (`on`: the actual start, else the one recorded)."""
        return self.run_action(project_start, OptionalDateSerializer)

    @extend_schema(request=OptionalDateSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        """In progress → completed (`on`: the actual end, else the one recorded)."""
        return self.run_action(project_complete, OptionalDateSerializer)

    @extend_schema(request=OnDateSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """Completed → accepted (`on`: the acceptance date)."""
        return self.run_action(project_accept, OnDateSerializer)

    @extend_schema(request=ReasonSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Planned, approved or in progress → cancelled (`reason`)."""
        return self.run_action(project_cancel, ReasonSerializer)


class AttachmentBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProjectAttachment
        fields = ["id", "title", "file", "size"]


class ProgressUpdateSerializer(ValidatedModelSerializer):
    attachments = AttachmentBriefSerializer(many=True, read_only=True)

    class Meta:
        model = ProgressUpdate
        fields = [
            "id",
            "project",
            "date",
            "percent",
            "note",
            "attachments",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def create(self, validated_data):
        return self._save(ProgressUpdate(**validated_data))

    def update(self, instance, validated_data):
        for name, value in validated_data.items():
            setattr(instance, name, value)
        return self._save(instance)

    def _save(self, update):
        try:
            return progress_save(update=update)
        except TransitionNotAllowed as exc:
            raise Conflict(" ".join(exc.messages)) from exc


class ProgressUpdateViewSet(ScopedModelViewSet):
    """Progress updates of projects (percent never goes back); recorded while in progress."""

    queryset = ProgressUpdate.objects.all()
    serializer_class = ProgressUpdateSerializer
    filterset_class = ProgressUpdateFilterSet
    prefetch_related = ("attachments",)


class ProjectAttachmentSerializer(ValidatedModelSerializer):
    class Meta:
        model = ProjectAttachment
        fields = [
            "id",
            "project",
            "progress_update",
            "title",
            "file",
            "size",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["size", "created_at", "updated_at"]


class ProjectAttachmentViewSet(ScopedModelViewSet):
    """Documents and photos of projects (multipart upload; PDF, JPEG, PNG, docx, xlsx; ≤ 20 MB)."""

    queryset = ProjectAttachment.objects.all()
    serializer_class = ProjectAttachmentSerializer
    filterset_class = ProjectAttachmentFilterSet


# -- outcome reports ------------------------------------------------------------------


class ReviewSerializer(serializers.ModelSerializer):
    user = serializers.StringRelatedField()

    class Meta:
        model = OutcomeReportReview
        fields = ["action", "comment", "user", "at"]


class EvidenceBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = OutcomeEvidence
        fields = ["id", "title", "file", "size"]


class OutcomeReportSerializer(ValidatedModelSerializer):
    indicator = serializers.SlugRelatedField(slug_field="code", queryset=Indicator.objects.all())
    reviews = ReviewSerializer(many=True, read_only=True)
    evidence = EvidenceBriefSerializer(many=True, read_only=True)

    class Meta:
        model = OutcomeReport
        fields = [
            "id",
            "indicator",
            "pairing",
            "project",
            "year",
            "quarter",
            "month",
            "value",
            "breakdown",
            "note",
            "status",
            "submitted_at",
            "reviewed_at",
            "review_comment",
            "reviews",
            "evidence",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "status",
            "submitted_at",
            "reviewed_at",
            "review_comment",
            "created_at",
            "updated_at",
        ]


class CommentSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=500, required=False, allow_blank=True)


class RequiredCommentSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=500)


class OutcomeReportViewSet(TransitionViewSet):
    """Outcome reports: draft → submitted → approved / returned; approved ones are locked."""

    queryset = OutcomeReport.objects.all()
    serializer_class = OutcomeReportSerializer
    filterset_class = OutcomeReportFilterSet
    select_related = ("indicator",)
    prefetch_related = ("reviews__user", "evidence")
    transitions = ("submit", "approve", "return_", "reopen")
    action_scopes = dict.fromkeys(transitions, scoping.CHANGE)
    record_argument = "report"

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Draft or returned → submitted for review."""
        return self.run_action(report_submit, user=request.user)

    @extend_schema(request=CommentSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Submitted → approved (not by its submitter); the report then counts and is locked."""
        return self.run_action(report_approve, CommentSerializer, user=request.user)

    @extend_schema(request=RequiredCommentSerializer)
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, pk=None):
        """Submitted → returned, with a `comment` saying what to correct."""
        return self.run_action(report_return, RequiredCommentSerializer, user=request.user)

    @extend_schema(request=ReasonSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        """Approved → returned, by an administrator, with a `reason` (kept in the review trail)."""
        if not request.user.is_administrator:
            raise PermissionDenied(_("Only an administrator can reopen an approved report."))
        return self.run_action(report_reopen, ReasonSerializer, user=request.user)

    @extend_schema(
        parameters=_TREE_PARAMETERS,
        responses={200: OpenApiTypes.OBJECT},
    )
    @action(detail=False, methods=["get"])
    def totals(self, request):
        """Approved totals per indicator code for a pairing (incl. those below) and year."""
        pairing, tree, year = _scoped_tree(request)
        totals = indicator_totals(tree, year)
        return Response(
            {
                "pairing": pairing.pk,
                "year": year,
                "totals": {code: str(value) for code, value in sorted(totals.items())},
            }
        )


class OutcomeEvidenceSerializer(ValidatedModelSerializer):
    class Meta:
        model = OutcomeEvidence
        fields = ["id", "report", "title", "file", "size", "created_at", "updated_at"]
        read_only_fields = ["size", "created_at", "updated_at"]


class OutcomeEvidenceViewSet(ScopedModelViewSet):
    """Evidence files of outcome reports (locked with their report once submitted)."""

    queryset = OutcomeEvidence.objects.all()
    serializer_class = OutcomeEvidenceSerializer
    filterset_class = OutcomeEvidenceFilterSet

    def perform_create(self, serializer):
        report = serializer.validated_data["report"]
        reason = report.locked_reason(self.request.user)
        if reason:
            raise Conflict(reason)
        super().perform_create(serializer)


# -- needs -------------------------------------------------------------------------------


class NeedSerializer(ValidatedModelSerializer):
    raised_by_region = region_by_code()

    class Meta:
        model = Need
        fields = [
            "id",
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
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "status",
            "matched_team",
            "matched_deployment",
            "matched_project",
            "matched_on",
            "resolved_on",
            "resolution_note",
            "created_at",
            "updated_at",
        ]


class MatchSerializer(serializers.Serializer):
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(), required=False, allow_null=True
    )
    deployment = serializers.PrimaryKeyRelatedField(
        queryset=Deployment.objects.all(), required=False, allow_null=True
    )
    project = serializers.PrimaryKeyRelatedField(
        queryset=Project.objects.all(), required=False, allow_null=True
    )
    on = serializers.DateField(required=False, allow_null=True)

    def get_fields(self):
        fields = super().get_fields()
        user = self.context["request"].user
        for name in ("team", "deployment", "project"):
            fields[name].queryset = fields[name].queryset.for_user(user)
        return fields


class ResolveSerializer(serializers.Serializer):
    on = serializers.DateField()
    note = serializers.CharField()


class NeedViewSet(TransitionViewSet):
    """Needs lists (需求清单): open → matched → resolved / withdrawn."""

    queryset = Need.objects.all()
    serializer_class = NeedSerializer
    filterset_class = NeedFilterSet
    select_related = ("raised_by_region",)
    transitions = ("match", "resolve", "withdraw")
    action_scopes = dict.fromkeys(transitions, scoping.CHANGE)
    record_argument = "need"

    @extend_schema(request=MatchSerializer)
    @action(detail=True, methods=["post"])
    def match(self, request, pk=None):
        """Open → matched to a `deployment` or `project` of the pairing (or one below)."""
        return self.run_action(need_match, MatchSerializer)

    @extend_schema(request=ResolveSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        """Matched → resolved (`on`, `note`)."""
        return self.run_action(need_resolve, ResolveSerializer)

    @extend_schema(request=ReasonSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """Open or matched → withdrawn (`reason`)."""
        return self.run_action(need_withdraw, ReasonSerializer)

    @extend_schema(parameters=_TREE_PARAMETERS, responses={200: OpenApiTypes.OBJECT})
    @action(detail=False, methods=["get"])
    def summary(self, request):
        """Needs collected in the year for a pairing (incl. below) and, of those, resolved."""
        pairing, tree, year = _scoped_tree(request)
        summary = needs_summary(tree, year)
        rate = summary["rate"]
        return Response(
            {
                "pairing": pairing.pk,
                "year": year,
                "collected": summary["collected"],
                "resolved": summary["resolved"],
                "rate": None if rate is None else str(rate),
            }
        )
