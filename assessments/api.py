"""``/api/v1/assessments/``: the summaries exactly as the pages show them (read-only).

And ``/api/v1/official-grades/``: readable by everyone in scope, written by
administrators only.
"""

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from aidtrack.core.api import ReadModelSerializer, ScopedModelViewSet, ValidatedModelSerializer
from aidtrack.core.api_rows import class_row_function
from aidtrack.core.feed import Derived
from assessments.figures import IndicatorFigureSerializer
from assessments.filters import OfficialGradeFilterSet, PairingYearSummaryFilterSet
from assessments.models import OfficialGrade, PairingYearSummary
from assessments.selectors import summary_stored
from pairings.models import Pairing

# The pairing's official grades, as AssessmentViewSet prefetches them.
GRADES_LISTED = "official_grades_listed"


class OfficialGradeBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = OfficialGrade
        fields = ["level", "grade", "document_reference", "published_on"]


class AssessmentSerializer(ReadModelSerializer):
    """The figures are the summary's as the pages show them (``summary_present``), stored
    in their published form (``figures.figure_stored``) and written as they are."""

    pairing_name = serializers.SerializerMethodField()
    indicators = serializers.SerializerMethodField()
    tiles = serializers.SerializerMethodField()
    computed_grade = serializers.CharField(source="grade")
    official_grades = serializers.SerializerMethodField()
    refresh_failed = serializers.BooleanField(source="failed")

    class Meta:
        model = PairingYearSummary
        fields = [
            "id",
            "pairing",
            "pairing_name",
            "year",
            "rubric",
            "score",
            "computed_grade",
            "official_grades",
            "indicators",
            "tiles",
            "refreshed_at",
            "refresh_failed",
            "last_error",
            "last_failed_at",
            "updated_at",
        ]
        read_only_fields = fields
        # The pairing's name and its official grades of the year (core.feed touches the summary).
        derived_from = (
            Derived(Pairing, PairingYearSummary, (("id", "pairing_id"),)),
            Derived(
                OfficialGrade, PairingYearSummary, (("pairing_id", "pairing_id"), ("year", "year"))
            ),
        )

    def get_pairing_name(self, summary) -> str:
        return str(summary.pairing)

    @extend_schema_field(IndicatorFigureSerializer(many=True))
    def get_indicators(self, summary):
        return summary_stored(summary)["figures"]

    @extend_schema_field(serializers.DictField())
    def get_tiles(self, summary) -> dict:
        return {key: tile["value"] for key, tile in summary_stored(summary)["tiles"].items()}

    @extend_schema_field(OfficialGradeBriefSerializer(many=True))
    def get_official_grades(self, summary):
        grade = class_row_function(OfficialGradeBriefSerializer)
        grades = getattr(summary.pairing, GRADES_LISTED)  # AssessmentViewSet's prefetch
        return [grade(g) for g in grades if g.year == summary.year]


class AssessmentViewSet(ScopedModelViewSet):
    """Per pairing × year: indicator rows, score, computed and official grades, refreshed-at."""

    queryset = PairingYearSummary.objects.all()
    serializer_class = AssessmentSerializer
    filterset_class = PairingYearSummaryFilterSet
    select_related = Pairing.name_related("pairing")
    # Into a list: reading the prefetched relation (``.all()``) copies a queryset for
    # every summary, which was a quarter of a page of 500.
    prefetch_related = (Prefetch("pairing__official_grades", to_attr=GRADES_LISTED),)
    http_method_names = ["get", "head", "options"]


class OfficialGradeSerializer(ValidatedModelSerializer):
    class Meta:
        model = OfficialGrade
        fields = [
            "id",
            "pairing",
            "year",
            "level",
            "grade",
            "document_reference",
            "published_on",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]


class OfficialGradeViewSet(ScopedModelViewSet):
    queryset = OfficialGrade.objects.all()
    serializer_class = OfficialGradeSerializer
    filterset_class = OfficialGradeFilterSet
