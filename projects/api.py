"""Projects, progress, attachments, indicators, outcome reports, evidence and needs over the API.

Writes go through the same services as the pages (the models' ``writes``).
Workflow steps are the models' transitions (``POST …/<id>/submit/``, added
by ScopedModelViewSet); one the record's state does not allow is refused
with 409 and the reason.
"""

from django import forms
from django.db.models import Prefetch
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from aidtrack.core.api import DownloadFileField, ScopedModelViewSet, ValidatedModelSerializer
from aidtrack.core.feed import Derived
from aidtrack.core.filters import FIRST_YEAR, LAST_ID, LAST_YEAR
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


class _TreeParameters(forms.Form):
    """``pairing`` and ``year``, bounded as the list filters' (core.filters)."""

    pairing = forms.IntegerField(
        min_value=1, max_value=LAST_ID, error_messages={"required": _("Give the pairing's id.")}
    )
    year = forms.IntegerField(
        min_value=FIRST_YEAR,
        max_value=LAST_YEAR,
        error_messages={"required": _("Give the year, e.g. 2023.")},
    )


def _scoped_tree(request) -> tuple[Pairing, frozenset[int], int]:
    """The ``pairing`` and ``year`` query parameters: the visible pairing tree and the year."""
    parameters = _TreeParameters(request.query_params)
    if not parameters.is_valid():
        raise exceptions.ValidationError(parameters.errors)
    pairing_id, year = parameters.cleaned_data["pairing"], parameters.cleaned_data["year"]
    visible = Pairing.objects.for_user(request.user)
    pairing = visible.filter(pk=pairing_id).first()
    if pairing is None:
        raise Http404
    return pairing, visible.subtree_ids(pairing.pk), year


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
        # latest_progress comes from the progress updates (core.feed touches the project).
        derived_from = (Derived(ProgressUpdate, Project, (("project_id", "id"),)),)
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


class ProjectViewSet(ScopedModelViewSet):
    """Projects; status steps are the model's transitions, as on the project page."""

    queryset = Project.objects.all()
    serializer_class = ProjectSerializer
    filterset_class = ProjectFilterSet
    select_related = ("region",)

    def get_queryset(self):
        return with_progress(super().get_queryset())


class AttachmentBriefSerializer(serializers.ModelSerializer):
    file = DownloadFileField(read_only=True)

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
    """Documents and photos of projects (multipart upload, checked by content; ≤ 20 MB)."""

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
    file = DownloadFileField(read_only=True)

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


class OutcomeReportViewSet(ScopedModelViewSet):
    """Outcome reports: draft → submitted → approved / returned; approved ones are locked."""

    queryset = OutcomeReport.objects.all()
    serializer_class = OutcomeReportSerializer
    filterset_class = OutcomeReportFilterSet
    select_related = ("indicator",)
    # The reviewer with each review (a join), where instances are read (a report; a list
    # reads columns, core.api_rows): into a plain list (as_listed_prefetch), which a
    # lookup through the reviews would not allow.
    prefetch_related = (
        Prefetch("reviews", queryset=OutcomeReportReview.objects.select_related("user")),
        "evidence",
    )

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


class NeedViewSet(ScopedModelViewSet):
    """Needs lists (需求清单): open → matched → resolved / withdrawn."""

    queryset = Need.objects.all()
    serializer_class = NeedSerializer
    filterset_class = NeedFilterSet
    select_related = ("raised_by_region",)

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
