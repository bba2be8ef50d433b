"""The money over the API: amounts are decimals sent and received as strings.

Writes go through the services the models declare (core.writes), as in the
browser. Fund transactions are never changed: PUT, PATCH and DELETE are not
offered (405); a mistake is cancelled with ``POST /fund-transactions/{id}/reverse/``
(the model's "reverse" transition).
"""

from rest_framework import serializers

from aidtrack.core.api import ScopedModelViewSet, ValidatedModelSerializer
from funds.filters import (
    ConsumptionSupportFilterSet,
    DonationFilterSet,
    FundAllocationFilterSet,
    FundTransactionFilterSet,
    InvestmentFilterSet,
    InvestmentTrancheFilterSet,
    OverAllocationFilterSet,
    ParkFilterSet,
)
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
from pairings.api import region_by_code

_TIMESTAMPS = ["created_at", "updated_at"]
READ_AND_CREATE = ["get", "post", "head", "options"]


class FundAllocationSerializer(ValidatedModelSerializer):
    class Meta:
        model = FundAllocation
        fields = [
            "id",
            "pairing",
            "year",
            "source_level",
            "amount",
            "purpose",
            "document_reference",
            "allocated_on",
            *_TIMESTAMPS,
        ]
        read_only_fields = _TIMESTAMPS


class FundAllocationViewSet(ScopedModelViewSet):
    queryset = FundAllocation.objects.all()
    serializer_class = FundAllocationSerializer
    filterset_class = FundAllocationFilterSet


class OverAllocationSerializer(ValidatedModelSerializer):
    class Meta:
        model = OverAllocation
        fields = ["id", "pairing", "year", "amount", "reason", "approved_by", *_TIMESTAMPS]
        read_only_fields = ["approved_by", *_TIMESTAMPS]


class OverAllocationViewSet(ScopedModelViewSet):
    """Approved and withdrawn (by administrators: the model's write roles), never edited."""

    queryset = OverAllocation.objects.all()
    serializer_class = OverAllocationSerializer
    filterset_class = OverAllocationFilterSet
    http_method_names = ["get", "post", "delete", "head", "options"]


class FundTransactionSerializer(ValidatedModelSerializer):
    pairing = serializers.IntegerField(source="project.pairing_id", read_only=True)
    year = serializers.IntegerField(source="project.year", read_only=True)

    class Meta:
        model = FundTransaction
        fields = [
            "id",
            "project",
            "pairing",
            "year",
            "kind",
            "date",
            "amount",
            "payer",
            "payee",
            "voucher_number",
            "note",
            "reverses",
            *_TIMESTAMPS,
        ]
        read_only_fields = ["reverses", *_TIMESTAMPS]


class FundTransactionViewSet(ScopedModelViewSet):
    """Entries are recorded and reversed; never changed or deleted."""

    queryset = FundTransaction.objects.all()
    serializer_class = FundTransactionSerializer
    filterset_class = FundTransactionFilterSet
    select_related = ("project",)
    http_method_names = READ_AND_CREATE


class DonationSerializer(ValidatedModelSerializer):
    class Meta:
        model = Donation
        fields = [
            "id",
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
            *_TIMESTAMPS,
        ]
        read_only_fields = _TIMESTAMPS


class DonationViewSet(ScopedModelViewSet):
    queryset = Donation.objects.all()
    serializer_class = DonationSerializer
    filterset_class = DonationFilterSet


class ParkSerializer(ValidatedModelSerializer):
    region = region_by_code()

    class Meta:
        model = Park
        fields = [
            "id",
            "name",
            "kind",
            "pairing",
            "region",
            "opened_on",
            "description",
            *_TIMESTAMPS,
        ]
        read_only_fields = _TIMESTAMPS


class ParkViewSet(ScopedModelViewSet):
    queryset = Park.objects.all()
    serializer_class = ParkSerializer
    filterset_class = ParkFilterSet
    select_related = ("region",)


class InvestmentTrancheBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = InvestmentTranche
        fields = ["id", "date", "amount", "note"]


class InvestmentSerializer(ValidatedModelSerializer):
    tranches = InvestmentTrancheBriefSerializer(many=True, read_only=True)

    class Meta:
        model = Investment
        fields = [
            "id",
            "enterprise",
            "pairing",
            "name",
            "industry",
            "park",
            "amount_agreed",
            "agreed_on",
            "amount_in_place",
            "over_agreed_note",
            "tranches",
            *_TIMESTAMPS,
        ]
        read_only_fields = ["amount_in_place", *_TIMESTAMPS]


class InvestmentViewSet(ScopedModelViewSet):
    queryset = Investment.objects.all()
    serializer_class = InvestmentSerializer
    filterset_class = InvestmentFilterSet
    prefetch_related = ("tranches",)


class InvestmentTrancheSerializer(ValidatedModelSerializer):
    class Meta:
        model = InvestmentTranche
        fields = ["id", "investment", "date", "amount", "note", *_TIMESTAMPS]
        read_only_fields = _TIMESTAMPS


class InvestmentTrancheViewSet(ScopedModelViewSet):
    queryset = InvestmentTranche.objects.all()
    serializer_class = InvestmentTrancheSerializer
    filterset_class = InvestmentTrancheFilterSet


class ConsumptionSupportSerializer(ValidatedModelSerializer):
    class Meta:
        model = ConsumptionSupport
        fields = [
            "id",
            "pairing",
            "kind",
            "buyer_organization",
            "channel",
            "product",
            "amount",
            "year",
            "month",
            "note",
            *_TIMESTAMPS,
        ]
        read_only_fields = _TIMESTAMPS


class ConsumptionSupportViewSet(ScopedModelViewSet):
    queryset = ConsumptionSupport.objects.all()
    serializer_class = ConsumptionSupportSerializer
    filterset_class = ConsumptionSupportFilterSet
