from rest_framework import serializers
from rest_framework.decorators import action

from aidtrack.core.api import ScopedModelViewSet, ValidatedModelSerializer
from pairings.filters import PairingFilterSet, RegionFilterSet
from pairings.models import Pairing, Region


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


class PairingSerializer(ValidatedModelSerializer):
    # Regions are identified by their division code, as in every government system.
    helping_region = serializers.SlugRelatedField(slug_field="code", queryset=Region.objects.all())
    helped_region = serializers.SlugRelatedField(slug_field="code", queryset=Region.objects.all())
    helping_region_detail = RegionBriefSerializer(source="helping_region", read_only=True)
    helped_region_detail = RegionBriefSerializer(source="helped_region", read_only=True)

    class Meta:
        model = Pairing
        fields = [
            "id",
            "helping_region",
            "helping_region_detail",
            "helped_region",
            "helped_region_detail",
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
    select_related = ("helping_region", "helped_region")

    @action(detail=True, methods=["get"])
    def descendants(self, request, pk=None):
        """The pairing's descendants (city, county and institution pairings below it)."""
        pairing = self.get_object()
        ids = Pairing.objects.descendant_ids([pairing.pk]) - {pairing.pk}
        queryset = self.filter_queryset(self.get_queryset().filter(pk__in=ids))
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)
