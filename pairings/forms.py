from django import forms
from django.utils.translation import gettext_lazy as _

from aidtrack.core.forms import ScopedModelForm, bootstrap, scope_choice_fields
from pairings.fields import RegionField
from pairings.models import Agreement, AgreementTarget, Organization, Pairing


class OrganizationForm(ScopedModelForm):
    region = RegionField(label=_("region"))

    class Meta:
        model = Organization
        fields = ["name", "kind", "region", "credit_code", "notes"]


class PairingForm(ScopedModelForm):
    helping_region = RegionField(label=_("helping side"))
    helped_region = RegionField(label=_("helped side"))

    class Meta:
        model = Pairing
        fields = [
            "helping_region",
            "helping_organization",
            "helped_region",
            "helped_organization",
            "programme",
            "level",
            "parent",
            "start_date",
            "end_date",
            "status",
            "notes",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            # Sides are history; changing them is a reassignment (ReassignForm).
            for name in Pairing.SIDE_FIELDS:
                self.fields[name].disabled = True
                self.fields[name].help_text = _("Fixed once created; use “Reassign” to change.")
        # Each choice shows both sides' names.
        parent = self.fields["parent"]
        parent.queryset = parent.queryset.select_related(*Pairing.name_related()).order_by(
            *Pairing.DISPLAY_ORDER
        )


class AgreementForm(ScopedModelForm):
    class Meta:
        model = Agreement
        fields = ["pairing", "year", "title", "signed_on", "reference", "attachment", "notes"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        pairing = self.fields["pairing"]
        pairing.queryset = pairing.queryset.select_related(*Pairing.name_related())


class AgreementTargetForm(ScopedModelForm):
    class Meta:
        model = AgreementTarget
        fields = ["agreement", "indicator_code", "indicator_name", "target", "unit", "notes"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        agreement = self.fields["agreement"]
        agreement.queryset = agreement.queryset.select_related(*Pairing.name_related("pairing"))


class ReassignForm(forms.Form):
    """The new sides of a pairing and the day they take over."""

    effective = forms.DateField(label=_("effective from"), widget=forms.DateInput)
    helping_region = RegionField(label=_("helping side"))
    helping_organization = forms.ModelChoiceField(
        Organization.objects.all(), label=_("helping organisation"), required=False
    )
    helped_region = RegionField(label=_("helped side"))
    helped_organization = forms.ModelChoiceField(
        Organization.objects.all(), label=_("helped organisation"), required=False
    )
    notes = forms.CharField(
        label=_("notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        scope_choice_fields(self.fields, user)
        for field in self.fields.values():
            bootstrap(field)
