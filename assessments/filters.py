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
from pairings.models import Pairing


def filter_pairing_tree(queryset, name, value):
    """The pairing and every pairing below it, as every ``pairing`` filter does."""
    return queryset.filter(pairing__any_id=Pairing.objects.descendant_ids([value]))


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
    pairing = IdFilter(
        method=filter_pairing_tree,
        label=_("pairing (incl. pairings below)"),
        model="pairings.Pairing",
    )

    class Meta:
        model = OfficialGrade
        fields = ["q", "year", "level", "pairing"]


class PairingYearSummaryFilterSet(ScopedFilterSet):
    year = YearFilter(label=_("year"))
    pairing = IdFilter(
        method=filter_pairing_tree,
        label=_("pairing (incl. pairings below)"),
        model="pairings.Pairing",
    )
    level = django_filters.ChoiceFilter(
        field_name="pairing__level", choices=PairingLevel.choices, label=_("pairing level")
    )
    grade = django_filters.CharFilter(label=_("computed grade"))

    class Meta:
        model = PairingYearSummary
        fields = ["year", "pairing", "level", "grade"]
