"""The money over the API: amounts are decimals sent and received as strings.

Fund transactions are created through the same service as the browser form
and are never changed: PUT, PATCH and DELETE are not offered (405); a
mistake is cancelled with ``POST /fund-transactions/{id}/reverse/``.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from aidtrack.core import scoping
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
from funds.services import (
    fund_allocation_delete,
    fund_allocation_save,
    fund_transaction_record,
    fund_transaction_reverse,
    investment_save,
    investment_tranche_delete,
    investment_tranche_save,
    over_allocation_approve,
    over_allocation_withdraw,
)
from pairings.api import region_by_code

_TIMESTAMPS = ["created_at", "updated_at"]
READ_AND_CREATE = ["get", "post", "head", "options"]


class ServiceSaveMixin:
    """Creates and updates go through ``save_service(instance)`` instead of ``instance.save()``."""

    def save_service(self, instance):
        raise NotImplementedError

    def create(self, validated_data):
        return self.save_service(self.Meta.model(**validated_data))

    def update(self, instance, validated_data):
        for name, value in validated_data.items():
            setattr(instance, name, value)
        return self.save_service(instance)


class FundAllocationSerializer(ServiceSaveMixin, ValidatedModelSerializer):
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

    def save_service(self, instance):
        return fund_allocation_save(allocation=instance)


class ServiceDestroyMixin:
    """Deletes through ``delete_service(instance)``; a refusal is a 400 with the reason."""

    def perform_destroy_service(self, instance):
        raise NotImplementedError

    def destroy(self, request, *args, **kwargs):
        self.perform_destroy_service(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class FundAllocationViewSet(ServiceDestroyMixin, ScopedModelViewSet):
    queryset = FundAllocation.objects.all()
    serializer_class = FundAllocationSerializer
    filterset_class = FundAllocationFilterSet

    def perform_destroy_service(self, instance):
        fund_allocation_delete(allocation=instance)


class OverAllocationSerializer(ValidatedModelSerializer):
    class Meta:
        model = OverAllocation
        fields = ["id", "pairing", "year", "amount", "reason", "approved_by", *_TIMESTAMPS]
        read_only_fields = ["approved_by", *_TIMESTAMPS]

    def create(self, validated_data):
        return over_allocation_approve(user=self.context["request"].user, **validated_data)


class AdministratorWrites:
    """Reads are scoped as usual; writes are for administrators (403 for anyone else)."""

    def check_permissions(self, request):
        super().check_permissions(request)
        if request.method not in ("GET", "HEAD", "OPTIONS") and not request.user.is_administrator:
            self.permission_denied(
                request, message=_("Only an administrator can approve over-allocations.")
            )


class OverAllocationViewSet(AdministratorWrites, ServiceDestroyMixin, ScopedModelViewSet):
    """Approved and withdrawn, never edited."""

    queryset = OverAllocation.objects.all()
    serializer_class = OverAllocationSerializer
    filterset_class = OverAllocationFilterSet
    http_method_names = ["get", "post", "delete", "head", "options"]

    def perform_destroy_service(self, instance):
        over_allocation_withdraw(approval=instance, user=self.request.user)


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

    def create(self, validated_data):
        return fund_transaction_record(user=self.context["request"].user, **validated_data)


class ReverseSerializer(serializers.Serializer):
    date = serializers.DateField()
    note = serializers.CharField(max_length=1000)


class FundTransactionViewSet(ScopedModelViewSet):
    """Entries are recorded and reversed; never changed or deleted."""

    queryset = FundTransaction.objects.all()
    serializer_class = FundTransactionSerializer
    filterset_class = FundTransactionFilterSet
    select_related = ("project",)
    http_method_names = READ_AND_CREATE
    record_argument = "entry"
    # Reversing adds an entry to the project: scoped like any new entry.
    action_scopes = {"reverse": scoping.ADD}

    @extend_schema(request=ReverseSerializer, responses={201: FundTransactionSerializer})
    @action(detail=True, methods=["post"])
    def reverse(self, request, pk=None):
        """Cancel this entry with a new one of the negated amount (`date`, `note`: why)."""
        return self.run_action(
            fund_transaction_reverse,
            ReverseSerializer,
            user=request.user,
            respond_with=lambda reversal: Response(
                self.get_serializer(reversal).data, status=status.HTTP_201_CREATED
            ),
        )


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


class InvestmentSerializer(ServiceSaveMixin, ValidatedModelSerializer):
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

    def save_service(self, instance):
        return investment_save(investment=instance)


class InvestmentViewSet(ScopedModelViewSet):
    queryset = Investment.objects.all()
    serializer_class = InvestmentSerializer
    filterset_class = InvestmentFilterSet
    prefetch_related = ("tranches",)


class InvestmentTrancheSerializer(ServiceSaveMixin, ValidatedModelSerializer):
    class Meta:
        model = InvestmentTranche
        fields = ["id", "investment", "date", "amount", "note", *_TIMESTAMPS]
        read_only_fields = _TIMESTAMPS

    def save_service(self, instance):
        return investment_tranche_save(tranche=instance)


class InvestmentTrancheViewSet(ServiceDestroyMixin, ScopedModelViewSet):
    queryset = InvestmentTranche.objects.all()
    serializer_class = InvestmentTrancheSerializer
    filterset_class = InvestmentTrancheFilterSet

    def perform_destroy_service(self, instance):
        investment_tranche_delete(tranche=instance)


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
