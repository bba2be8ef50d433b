from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404

from aidtrack.core.api import ScopedModelViewSet, ValidatedModelSerializer
from pairings.filters import (
    AgreementFilterSet,
    AgreementTargetFilterSet,
    OrganizationFilterSet,
    PairingFilterSet,
    RegionFilterSet,
)
from pairings.models import Agreement, AgreementTarget, Organization, Pairing, Region


class RegionBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["id", "code", "name", "level"]


class RegionSerializer(ValidatedModelSerializer):
    parent = RegionBriefSerializer(read_only=True)

    class Meta:
        model = Region
        fields = ["id", "code", "name", "level", "full_name", "parent", "updated_at"]
        read_only_fields = fields


class RegionViewSet(ScopedModelViewSet):
    """Administrative divisions (read-only reference data)."""

    queryset = Region.objects.all()
    serializer_class = RegionSerializer
    filterset_class = RegionFilterSet
    select_related = ("parent",)
    http_method_names = ["get", "head", "options"]


def region_by_code():
    # Regions are identified by their division code, as in every government system.
    return serializers.SlugRelatedField(slug_field="code", queryset=Region.objects.all())


class OrganizationBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "name", "kind", "credit_code"]


class OrganizationSerializer(ValidatedModelSerializer):
    region = region_by_code()
    region_detail = RegionBriefSerializer(source="region", read_only=True)
    # Declared so the model's checksum runs (in full_clean) on the upper-cased code.
    credit_code = serializers.CharField(max_length=18, required=False, allow_blank=True)

    def validate_credit_code(self, value: str) -> str:
        return value.strip().upper()

    class Meta:
        model = Organization
        fields = [
            "id",
            "name",
            "kind",
            "region",
            "region_detail",
            "credit_code",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]


class OrganizationViewSet(ScopedModelViewSet):
    queryset = Organization.objects.all()
    serializer_class = OrganizationSerializer
    filterset_class = OrganizationFilterSet
    select_related = ("region",)


class PairingSerializer(ValidatedModelSerializer):
    helping_region = region_by_code()
    helped_region = region_by_code()
    helping_region_detail = RegionBriefSerializer(source="helping_region", read_only=True)
    helped_region_detail = RegionBriefSerializer(source="helped_region", read_only=True)
    helping_organization_detail = OrganizationBriefSerializer(
        source="helping_organization", read_only=True
    )
    helped_organization_detail = OrganizationBriefSerializer(
        source="helped_organization", read_only=True
    )

    class Meta:
        model = Pairing
        fields = [
            "id",
            "helping_region",
            "helping_region_detail",
            "helping_organization",
            "helping_organization_detail",
            "helped_region",
            "helped_region_detail",
            "helped_organization",
            "helped_organization_detail",
            "programme",
            "level",
            "parent",
            "start_date",
            "end_date",
            "status",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]


class PairingViewSet(ScopedModelViewSet):
    queryset = Pairing.objects.all()
    serializer_class = PairingSerializer
    filterset_class = PairingFilterSet
    select_related = Pairing.name_related()

    # A filtered, paged list of pairings, documented as one (with its parameters).
    @extend_schema(responses={200: PairingSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def descendants(self, request, pk=None):
        """The pairing's descendants (city, county and institution pairings below it)."""
        # The pairing itself by id and scope alone: the filters (get_object applies them)
        # are for the pairings listed, not for the one they lie below.
        pairing = get_object_or_404(self.get_queryset(), pk=pk)
        self.check_object_permissions(request, pairing)
        ids = Pairing.objects.descendant_ids([pairing.pk]) - {pairing.pk}
        queryset = self.filter_queryset(self.get_queryset().filter(pk__in=ids))
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class AgreementTargetSerializer(ValidatedModelSerializer):
    class Meta:
        model = AgreementTarget
        fields = [
            "id",
            "agreement",
            "indicator_code",
            "indicator_name",
            "target",
            "unit",
            "notes",
            "updated_at",
        ]
        read_only_fields = ["updated_at"]


class AgreementSerializer(ValidatedModelSerializer):
    targets = AgreementTargetSerializer(many=True, read_only=True)

    class Meta:
        model = Agreement
        fields = [
            "id",
            "pairing",
            "year",
            "title",
            "signed_on",
            "reference",
            "attachment",
            "notes",
            "targets",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["attachment", "created_at", "updated_at"]


class AgreementViewSet(ScopedModelViewSet):
    """Agreements with their targets; attachments are uploaded in the browser."""

    queryset = Agreement.objects.all()
    serializer_class = AgreementSerializer
    filterset_class = AgreementFilterSet
    prefetch_related = ("targets",)


class AgreementTargetViewSet(ScopedModelViewSet):
    queryset = AgreementTarget.objects.all()
    serializer_class = AgreementTargetSerializer
    filterset_class = AgreementTargetFilterSet
