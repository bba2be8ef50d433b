import django_filters
from django.utils.translation import gettext_lazy as _

from aidtrack.core.filters import IdFilter, ScopedFilterSet, YearFilter
from assessments.choices import GradeLevel, ScoringMethod
from assessments.models import (
    GradeThreshold,
    OfficialGrade,
    PairingYearSummary,
    Rubric,
    RubricItem,
)
from pairings.choices import PairingLevel
from pairings.filters import pairing_tree_filter


class RubricFilterSet(ScopedFilterSet):
    search_fields = ("name", "note")

    year = YearFilter(label=_("year"))

    class Meta:
        model = Rubric
        fields = ["q", "year"]


class RubricItemFilterSet(ScopedFilterSet):
    search_fields = ("indicator__code", "indicator__name_zh", "indicator__name_en")

    rubric = IdFilter(field_name="rubric", label=_("rubric"), model="assessments.Rubric")
    year = YearFilter(field_name="rubric__year", label=_("year"))
    method = django_filters.ChoiceFilter(choices=ScoringMethod.choices, label=_("scoring method"))

    class Meta:
        model = RubricItem
        fields = ["q", "rubric", "year", "method"]


class GradeThresholdFilterSet(ScopedFilterSet):
    search_fields = ("label",)

    rubric = IdFilter(field_name="rubric", label=_("rubric"), model="assessments.Rubric")
    year = YearFilter(field_name="rubric__year", label=_("year"))

    class Meta:
        model = GradeThreshold
        fields = ["q", "rubric", "year"]


class OfficialGradeFilterSet(ScopedFilterSet):
    search_fields = ("grade", "document_reference", "notes")

    year = YearFilter(label=_("year"))
    level = django_filters.ChoiceFilter(choices=GradeLevel.choices, label=_("assessed by"))
    pairing = pairing_tree_filter("pairing")

    class Meta:
        model = OfficialGrade
        fields = ["q", "year", "level", "pairing"]


class PairingYearSummaryFilterSet(ScopedFilterSet):
    year = YearFilter(label=_("year"))
    pairing = pairing_tree_filter("pairing")
    level = django_filters.ChoiceFilter(
        field_name="pairing__level", choices=PairingLevel.choices, label=_("pairing level")
    )
    grade = django_filters.CharFilter(label=_("computed grade"))

    class Meta:
        model = PairingYearSummary
        fields = ["year", "pairing", "level", "grade"]
