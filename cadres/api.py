from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from aidtrack.core import scoping
from aidtrack.core.api import ScopedModelViewSet, ValidatedModelSerializer
from cadres.filters import DeploymentFilterSet, PersonFilterSet
from cadres.models import Deployment, DeploymentExtension, Person
from cadres.services import deployment_end, deployment_extend, deployment_start, person_reveal


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
    action_scopes = {"reveal": scoping.VIEW}  # a POST that reads: scoped like a GET

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


class DeploymentExtensionSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeploymentExtension
        fields = ["id", "previous_end_date", "new_end_date", "reason", "approval_reference"]


class DeploymentSerializer(ValidatedModelSerializer):
    extensions = DeploymentExtensionSerializer(many=True, read_only=True)

    class Meta:
        model = Deployment
        fields = [
            "id",
            "person",
            "pairing",
            "direction",
            "kind",
            "host_organization",
            "post",
            "start_date",
            "planned_end_date",
            "actual_end_date",
            "status",
            "notes",
            "extensions",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["actual_end_date", "status", "created_at", "updated_at"]


class StartSerializer(serializers.Serializer):
    on = serializers.DateField()


class DateSerializer(serializers.Serializer):
    on = serializers.DateField()
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True)


class ExtendSerializer(serializers.Serializer):
    new_end = serializers.DateField()
    reason = serializers.CharField(max_length=300)
    approval_reference = serializers.CharField(max_length=100)


class DeploymentViewSet(ScopedModelViewSet):
    """Deployments; status changes and extensions through their actions, as in the browser."""

    queryset = Deployment.objects.all()
    serializer_class = DeploymentSerializer
    filterset_class = DeploymentFilterSet
    prefetch_related = ("extensions",)
    action_scopes = dict.fromkeys(("start", "complete", "recall", "extend"), scoping.CHANGE)

    def _act(self, payload_class, service, **fixed):
        deployment = self.get_object()
        payload = payload_class(data=self.request.data)
        payload.is_valid(raise_exception=True)
        service(deployment=deployment, **payload.validated_data, **fixed)
        deployment.refresh_from_db()
        return Response(self.get_serializer(deployment).data)

    @extend_schema(request=StartSerializer)
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        """Planned → on post (`on`: the arrival date)."""
        return self._act(StartSerializer, deployment_start)

    @extend_schema(request=DateSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        """On post → completed (`on`: the return date)."""
        return self._act(DateSerializer, deployment_end, recalled=False)

    @extend_schema(request=DateSerializer)
    @action(detail=True, methods=["post"])
    def recall(self, request, pk=None):
        """On post → recalled (`on` and a `reason`)."""
        return self._act(DateSerializer, deployment_end, recalled=True)

    @extend_schema(request=ExtendSerializer)
    @action(detail=True, methods=["post"])
    def extend(self, request, pk=None):
        """A new planned end with its reason and approval reference."""
        return self._act(ExtendSerializer, deployment_extend)
