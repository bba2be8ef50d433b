from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aidtrack.core.files import ACCEPT_UPLOADS, UPLOAD_HELP, validate_upload
from aidtrack.core.forms import PayloadForm, ScopedModelForm, bootstrap
from cadres.models import Deployment, Team
from pairings.fields import RegionField
from pairings.models import Pairing
from projects.breakdown import BreakdownField, schema_keys
from projects.models import (
    Indicator,
    Need,
    OutcomeEvidence,
    OutcomeReport,
    ProgressUpdate,
    Project,
    ProjectAttachment,
)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (photos from a phone); each is validated on its own."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT_UPLOADS}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        items = data if isinstance(data, list | tuple) else [data]
        files = [super(MultipleFileField, self).clean(item, initial) for item in items if item]
        for upload in files:
            validate_upload(upload)
        return files


def _pairing_choices(field) -> None:
    field.queryset = field.queryset.select_related(*Pairing.name_related()).order_by(
        *Pairing.DISPLAY_ORDER
    )


class IndicatorForm(ScopedModelForm):
    class Meta:
        model = Indicator
        fields = [
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
        ]


class ProjectForm(ScopedModelForm):
    """Details only: the status moves through the transitions (approve, start, complete …)."""

    region = RegionField(
        label=_("location"), help_text=_("County or township in the helped region.")
    )

    class Meta:
        model = Project
        fields = [
            "code",
            "name",
            "pairing",
            "parent",
            "region",
            "village",
            "category",
            "year",
            "planned_start_date",
            "planned_end_date",
            "actual_start_date",
            "actual_end_date",
            "budget",
            "beneficiaries",
            "beneficiaries_formerly_poor",
            "lead_organization",
            "implementing_organization",
            "description",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _pairing_choices(self.fields["pairing"])
        if self.instance.pk is not None:
            # The code is the project's reference in documents and vouchers.
            self.fields["code"].disabled = True


class ProgressFilesMixin:
    """The uploaded files go to ``progress_save`` along with the update."""

    def service_arguments(self) -> dict:
        return {"files": self.cleaned_data.get("files", [])}


class ProgressUpdateForm(ProgressFilesMixin, ScopedModelForm):
    files = MultipleFileField(label=_("photos and documents"), help_text=UPLOAD_HELP)

    class Meta:
        model = ProgressUpdate
        fields = ["project", "date", "percent", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}


class ProgressEntryForm(ProgressFilesMixin, forms.ModelForm):
    """The phone page: one project, today's date, the percent and a few photos."""

    files = MultipleFileField(label=_("photos"))

    class Meta:
        model = ProgressUpdate
        fields = ["date", "percent", "note"]
        widgets = {
            "note": forms.Textarea(attrs={"rows": 3}),
            "percent": forms.NumberInput(attrs={"inputmode": "numeric", "min": 0, "max": 100}),
        }

    def __init__(self, *args, project, **kwargs):
        kwargs.setdefault("instance", ProgressUpdate(project=project))
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = timezone.localdate()
        for field in self.fields.values():
            bootstrap(field)
            field.widget.attrs["class"] += " form-control-lg"
        # The camera opens straight away on phones that support it.
        self.fields["files"].widget.attrs["accept"] = "image/*," + ACCEPT_UPLOADS


class ProjectAttachmentForm(ScopedModelForm):
    class Meta:
        model = ProjectAttachment
        fields = ["project", "progress_update", "title", "file"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["progress_update"].queryset = self.fields[
            "progress_update"
        ].queryset.select_related("project")


class OutcomeReportForm(ScopedModelForm):
    """A draft or returned report; submitting and review are actions on its page."""

    breakdown = BreakdownField(
        label=_("breakdown"),
        help_text=_("Optional: the parts of the value, for indicators that have them."),
    )

    class Meta:
        model = OutcomeReport
        fields = [
            "indicator",
            "pairing",
            "project",
            "year",
            "quarter",
            "month",
            "value",
            "breakdown",
            "note",
        ]
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicator"].queryset = self.fields["indicator"].queryset.filter(
            active=True, computed=False
        )
        _pairing_choices(self.fields["pairing"])
        self.fields["breakdown"].set_parts(
            indicator
            for indicator in self.fields["indicator"].queryset.only("pk", "breakdown_schema")
            if indicator.breakdown_schema
        )

    def clean(self):
        cleaned = super().clean()
        indicator = cleaned.get("indicator")
        if indicator is not None and cleaned.get("breakdown"):
            # Boxes of another indicator, filled before the indicator was changed, do not count.
            taken = set(schema_keys(indicator.breakdown_schema))
            cleaned["breakdown"] = {
                key: figure for key, figure in cleaned["breakdown"].items() if key in taken
            }
        return cleaned


class OutcomeEvidenceForm(ScopedModelForm):
    class Meta:
        model = OutcomeEvidence
        fields = ["report", "title", "file"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["report"].queryset = self.fields["report"].queryset.select_related(
            "indicator", "project", *Pairing.name_related("pairing")
        )


class NeedForm(ScopedModelForm):
    raised_by_region = RegionField(
        label=_("raised by (region)"), help_text=_("A township or county of the helped side.")
    )

    class Meta:
        model = Need
        fields = [
            "pairing",
            "raised_by_region",
            "raised_by_department",
            "collected_on",
            "category",
            "priority",
            "description",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _pairing_choices(self.fields["pairing"])


# -- transition payloads (named by the models' transition tables) ---------------


class OptionalDateForm(PayloadForm):
    """The day; left empty, the date already on the record is used."""

    on = forms.DateField(label=_("date"), widget=forms.DateInput, required=False)


class DateForm(PayloadForm):
    on = forms.DateField(label=_("date"), widget=forms.DateInput)


class ReasonForm(PayloadForm):
    reason = forms.CharField(label=_("reason"), max_length=300)


class CommentForm(PayloadForm):
    comment = forms.CharField(label=_("comment"), max_length=500, required=False)


class RequiredCommentForm(PayloadForm):
    comment = forms.CharField(label=_("comment"), max_length=500)


class NeedMatchForm(PayloadForm):
    """A team, deployment or project of the need's pairing (or one below it)."""

    team = forms.ModelChoiceField(Team.objects.all(), label=_("team"), required=False)
    deployment = forms.ModelChoiceField(
        Deployment.objects.all(), label=_("deployment"), required=False
    )
    project = forms.ModelChoiceField(Project.objects.all(), label=_("project"), required=False)
    on = forms.DateField(label=_("matched on"), widget=forms.DateInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Choices already scoped to the user; offered only within the need's pairing tree.
        tree = Pairing.objects.descendant_ids([self.record.pairing_id])
        self.fields["team"].queryset = self.fields["team"].queryset.filter(pairing__in=tree)
        self.fields["deployment"].queryset = (
            self.fields["deployment"].queryset.filter(pairing__in=tree).select_related("person")
        )
        self.fields["project"].queryset = self.fields["project"].queryset.filter(pairing__in=tree)


class NeedResolveForm(PayloadForm):
    on = forms.DateField(label=_("resolved on"), widget=forms.DateInput)
    note = forms.CharField(label=_("how it was resolved"), widget=forms.Textarea(attrs={"rows": 3}))
