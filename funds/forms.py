"""Edit forms: they validate; the models' declared services save (see core.writes)."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aidtrack.core.forms import PayloadForm, ScopedModelForm
from funds.models import (
    ConsumptionSupport,
    Donation,
    FundAllocation,
    FundTransaction,
    Investment,
    InvestmentTranche,
    OverAllocation,
    Park,
)
from pairings.fields import RegionField
from pairings.models import Pairing


def _with_pairing_names(form, *names):
    """Pairing choices show both sides' names without a query per option."""
    for name in names:
        field = form.fields[name]
        field.queryset = field.queryset.select_related(*Pairing.name_related())


class FundAllocationForm(ScopedModelForm):
    class Meta:
        model = FundAllocation
        fields = [
            "pairing",
            "year",
            "source_level",
            "amount",
            "purpose",
            "document_reference",
            "allocated_on",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _with_pairing_names(self, "pairing")


class OverAllocationForm(ScopedModelForm):
    class Meta:
        model = OverAllocation
        fields = ["pairing", "year", "amount", "reason"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _with_pairing_names(self, "pairing")


class FundTransactionForm(ScopedModelForm):
    """A new entry; there is no edit form, entries are corrected by reversal."""

    class Meta:
        model = FundTransaction
        fields = ["project", "kind", "date", "amount", "payer", "payee", "voucher_number", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = self.fields["project"].queryset.order_by("-year", "code")


class ReverseForm(PayloadForm):
    """Why and when an entry is cancelled (the "reverse" transition)."""

    date = forms.DateField(label=_("date of the reversal"), widget=forms.DateInput)
    note = forms.CharField(
        label=_("reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = timezone.localdate()


class DonationForm(ScopedModelForm):
    class Meta:
        model = Donation
        fields = [
            "pairing",
            "date",
            "kind",
            "donor_organization",
            "donor_name",
            "recipient_organization",
            "recipient_name",
            "amount",
            "items",
            "purpose",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _with_pairing_names(self, "pairing")


class ParkForm(ScopedModelForm):
    region = RegionField(
        label=_("location"), help_text=_("County or township in the helped region.")
    )

    class Meta:
        model = Park
        fields = ["name", "kind", "pairing", "region", "opened_on", "description"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _with_pairing_names(self, "pairing")


class InvestmentForm(ScopedModelForm):
    class Meta:
        model = Investment
        fields = [
            "enterprise",
            "pairing",
            "name",
            "industry",
            "park",
            "amount_agreed",
            "agreed_on",
            "over_agreed_note",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _with_pairing_names(self, "pairing")
        self.fields["enterprise"].queryset = self.fields["enterprise"].queryset.filter(
            kind="enterprise"
        )


class InvestmentTrancheForm(ScopedModelForm):
    class Meta:
        model = InvestmentTranche
        fields = ["investment", "date", "amount", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["investment"].queryset = self.fields["investment"].queryset.select_related(
            "enterprise"
        )


class ConsumptionSupportForm(ScopedModelForm):
    class Meta:
        model = ConsumptionSupport
        fields = [
            "pairing",
            "kind",
            "buyer_organization",
            "channel",
            "product",
            "amount",
            "year",
            "month",
            "note",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _with_pairing_names(self, "pairing")
