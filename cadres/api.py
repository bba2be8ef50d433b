from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from aidtrack.core.api import ScopedModelViewSet, ValidatedModelSerializer
from cadres.filters import PersonFilterSet
from cadres.models import Person
from cadres.services import person_reveal


class PersonSerializer(ValidatedModelSerializer):
    """ID number and phone are write-only; reads get them masked."""

    id_number = serializers.CharField(write_only=True, max_length=18)
    phone = serializers.CharField(write_only=True, max_length=20, required=False, allow_blank=True)
    id_number_masked = serializers.CharField(source="masked_id_number", read_only=True)
    phone_masked = serializers.CharField(source="masked_phone", read_only=True)

    class Meta:
        model = Person
        fields = [
            "id",
            "name",
            "gender",
            "birth_date",
            "ethnicity",
            "political_status",
            "education",
            "id_number",
            "id_number_masked",
            "phone",
            "phone_masked",
            "category",
            "specialty",
            "title",
            "rank",
            "home_organization",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def validate_id_number(self, value: str) -> str:
        return value.strip().upper()


class RevealSerializer(serializers.Serializer):
    field = serializers.ChoiceField(choices=["id_number", "phone"])
    reason = serializers.CharField(max_length=300)


class PersonViewSet(ScopedModelViewSet):
    queryset = Person.objects.all()
    serializer_class = PersonSerializer
    filterset_class = PersonFilterSet
    select_related = ("home_organization",)
    read_actions = ("reveal",)  # a POST that reads: scoped and permitted like a GET

    @extend_schema(request=RevealSerializer, responses={200: RevealSerializer})
    @action(detail=True, methods=["post"])
    def reveal(self, request, pk=None):
        """The whole ID number or phone, for users with the reveal permission; logged."""
        person = self.get_object()
        payload = RevealSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        value = person_reveal(
            person=person,
            user=request.user,
            request_id=getattr(request, "id", ""),
            **payload.validated_data,
        )
        return Response({"field": payload.validated_data["field"], "value": value})
