from django import forms
from django.utils.choices import BaseChoiceIterator
from django.utils.translation import gettext_lazy as _

from aidtrack.core.forms import ScopedModelForm, bootstrap
from assessments.models import GradeThreshold, OfficialGrade, Rubric, RubricItem
from pairings.models import Pairing


class RubricForm(ScopedModelForm):
    class Meta:
        model = Rubric
        fields = ["year", "name", "note"]


class RubricItemForm(ScopedModelForm):
    class Meta:
        model = RubricItem
        fields = [
            "rubric",
            "indicator",
            "weight",
            "method",
            "cap_percent",
            "aggregate_descendants",
            "order",
        ]


class GradeThresholdForm(ScopedModelForm):
    class Meta:
        model = GradeThreshold
        fields = ["rubric", "label", "min_score", "order"]


class OfficialGradeForm(ScopedModelForm):
    class Meta:
        model = OfficialGrade
        fields = [
            "pairing",
            "year",
            "level",
            "grade",
            "document_reference",
            "published_on",
            "notes",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        pairing = self.fields["pairing"]
        pairing.queryset = pairing.queryset.select_related(*Pairing.name_related())


class _PairingOptions(BaseChoiceIterator):
    """Options read when the widget renders (one query), not when the form is built."""

    def __init__(self, queryset):
        self.queryset = queryset

    def __iter__(self):
        for pairing in self.queryset.select_related(*Pairing.name_related()).order_by(
            *Pairing.DISPLAY_ORDER
        ):
            yield pairing.pk, str(pairing)


class ComparisonForm(forms.Form):
    """Two or more pairings, one or more years: each pairing × year is a column."""

    pairing = forms.ModelMultipleChoiceField(Pairing.objects.none(), label=_("pairings"))
    year = forms.TypedMultipleChoiceField(coerce=int, label=_("years"))

    def __init__(self, *args, user, years, options=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Any pairing in scope is valid; the picker lists ``options`` (a queryset) only.
        self.fields["pairing"].queryset = (
            Pairing.objects.for_user(user)
            .select_related(*Pairing.name_related())
            .order_by(*Pairing.DISPLAY_ORDER)
        )
        if options is not None:
            self.fields["pairing"].widget.choices = _PairingOptions(options)
        self.fields["year"].choices = [(year, year) for year in years]
        for field in self.fields.values():
            bootstrap(field)
        self.fields["pairing"].widget.attrs["size"] = 8
        self.fields["year"].widget.attrs["size"] = 8

    def clean(self):
        cleaned = super().clean()
        pairings, years = cleaned.get("pairing"), cleaned.get("year")
        if pairings is not None and years is not None and len(pairings) * len(years) < 2:
            raise forms.ValidationError(
                _("Choose two or more pairings, or one pairing and two or more years.")
            )
        return cleaned
