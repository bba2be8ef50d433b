from django import forms
from django.utils.translation import gettext_lazy as _

from aidtrack.core.forms import ScopedModelForm, bootstrap
from cadres.choices import DeploymentStatus
from cadres.models import Deployment, Person, PersonalDataReveal
from pairings.models import Pairing

_KEEP = _("Leave empty to keep the current value (%(masked)s).")


class PersonForm(ScopedModelForm):
    """ID number and phone are never sent back to the browser, even when editing."""

    class Meta:
        model = Person
        fields = [
            "name",
            "gender",
            "birth_date",
            "ethnicity",
            "political_status",
            "education",
            "id_number",
            "phone",
            "category",
            "specialty",
            "title",
            "rank",
            "home_organization",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["home_organization"].queryset = self.fields[
            "home_organization"
        ].queryset.select_related("region")
        if self.instance.pk is not None:
            for name, masked in (
                ("id_number", self.instance.masked_id_number),
                ("phone", self.instance.masked_phone),
            ):
                self.initial[name] = ""
                self.fields[name].required = False
                self.fields[name].help_text = _KEEP % {"masked": masked or "—"}

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is not None:
            for name in ("id_number", "phone"):
                if not cleaned.get(name):
                    # Empty means unchanged: restore the stored value before validation.
                    stored = Person.objects.filter(pk=self.instance.pk).values_list(name, flat=True)
                    cleaned[name] = stored.first() or ""
        return cleaned


class RevealForm(forms.Form):
    field = forms.ChoiceField(label=_("field"), choices=PersonalDataReveal.Field.choices)
    reason = forms.CharField(
        label=_("reason"),
        max_length=300,
        help_text=_("Recorded with your name and the time."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            bootstrap(field)


class DeploymentForm(ScopedModelForm):
    """Status and actual end are set by the start/end/extend actions, not here."""

    class Meta:
        model = Deployment
        fields = [
            "person",
            "pairing",
            "direction",
            "kind",
            "host_organization",
            "post",
            "start_date",
            "planned_end_date",
            "notes",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pairing"].queryset = self.fields["pairing"].queryset.select_related(
            *Pairing.name_related()
        )
        if self.instance.pk is not None and self.instance.status != DeploymentStatus.PLANNED:
            # The planned end moves only through an extension, which is recorded.
            self.fields["planned_end_date"].disabled = True


class _ActionForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            bootstrap(field)


class StartForm(_ActionForm):
    on = forms.DateField(label=_("arrived on"), widget=forms.DateInput)


class CompleteForm(_ActionForm):
    on = forms.DateField(label=_("returned on"), widget=forms.DateInput)


class RecallForm(_ActionForm):
    on = forms.DateField(label=_("recalled on"), widget=forms.DateInput)
    reason = forms.CharField(label=_("reason"), max_length=300)


class ExtendForm(_ActionForm):
    new_end = forms.DateField(label=_("new planned end"), widget=forms.DateInput)
    reason = forms.CharField(label=_("reason"), max_length=300)
    approval_reference = forms.CharField(label=_("approval reference"), max_length=100)
