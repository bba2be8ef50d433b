from operator import itemgetter

from django.urls import reverse
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from aidtrack.core import scoping
from aidtrack.core.api import ScopedModelViewSet, ValidatedModelSerializer, absolute_url
from aidtrack.core.feed import Derived
from aidtrack.core.subqueries import count_per_row
from cadres.filters import (
    AwardFilterSet,
    CareRecordFilterSet,
    CheckInFilterSet,
    DeploymentFilterSet,
    LeaveRequestFilterSet,
    MentorshipFilterSet,
    PersonFilterSet,
    TeamFilterSet,
    TeamMemberFilterSet,
)
from cadres.masking import mask_id_number, mask_phone
from cadres.models import (
    Award,
    CareRecord,
    CheckIn,
    Deployment,
    DeploymentExtension,
    LeaveRequest,
    Mentorship,
    Person,
    Team,
    TeamMember,
    apprentice_rows,
)
from cadres.services import person_reveal


class MaskedField(serializers.CharField):
    """A column read masked (cadres.masking): a function of the column's value alone, so a
    list of people is read as column values, with no model instance (core.api_rows)."""

    def __init__(self, mask, **kwargs):
        self.mask = mask
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value):
        return self.mask(value)

    def value_representer(self):
        return self.mask


class PersonSerializer(ValidatedModelSerializer):
    """ID number and phone are write-only; reads get them masked."""

    id_number = serializers.CharField(write_only=True, max_length=18)
    phone = serializers.CharField(write_only=True, max_length=20, required=False, allow_blank=True)
    id_number_masked = MaskedField(mask_id_number, source="id_number")
    phone_masked = MaskedField(mask_phone, source="phone")

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
            "user",
            "created_at",
            "updated_at",
        ]
        # Accounts are linked by administrators in the browser.
        read_only_fields = ["user", "created_at", "updated_at"]

    def validate_id_number(self, value: str) -> str:
        return value.strip().upper()


class RevealSerializer(serializers.Serializer):
    field = serializers.ChoiceField(choices=["id_number", "phone"])
    reason = serializers.CharField(max_length=300)


class RevealedSerializer(serializers.Serializer):
    field = serializers.ChoiceField(choices=["id_number", "phone"])
    value = serializers.CharField()


class PersonViewSet(ScopedModelViewSet):
    queryset = Person.objects.all()
    serializer_class = PersonSerializer
    filterset_class = PersonFilterSet
    select_related = ("home_organization",)
    action_scopes = {"reveal": scoping.VIEW}  # a POST that reads: scoped like a GET

    @extend_schema(request=RevealSerializer, responses={200: RevealedSerializer})
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


class DeploymentViewSet(ScopedModelViewSet):
    """Deployments; status changes and extensions are the model's transitions, as in the browser."""

    queryset = Deployment.objects.all()
    serializer_class = DeploymentSerializer
    filterset_class = DeploymentFilterSet
    prefetch_related = ("extensions",)


class TeamMemberSerializer(ValidatedModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)

    class Meta:
        model = TeamMember
        fields = [
            "id",
            "team",
            "person",
            "person_name",
            "role",
            "subgroup",
            "joined_on",
            "left_on",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]


class NestedMemberSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)

    class Meta:
        model = TeamMember
        fields = ["id", "person", "person_name", "role", "subgroup", "joined_on", "left_on"]
        read_only_fields = fields


class MemberCountField(serializers.IntegerField):
    """A team's member count: the list's annotation (TeamViewSet), read with the page's
    columns (core.api_rows); a team saved or read alone is counted."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def get_attribute(self, team):
        counted = getattr(team, "member_count", None)
        return team.members.count() if counted is None else counted

    def column_reading(self, model, prefix="", annotations=()):
        if prefix or "member_count" not in annotations:
            return None
        return ["member_count"], itemgetter("member_count"), int


@extend_schema_field(OpenApiTypes.URI)
class MembersUrlField(serializers.Field):
    """The link to a team's members, a function of its id: a page of teams is read as column
    values (core.api_rows), the list's address made once per response."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, team):
        return self.row_representer()(team)

    def row_representer(self):
        link = self._link()
        return lambda team: link(team.pk)

    def column_reading(self, model, prefix="", annotations=()):
        return None if prefix else (["id"], itemgetter("id"), self._link())

    def _link(self):
        listed = absolute_url(self.context, reverse("api:teammember-list"))
        return lambda team_id: f"{listed}?team={team_id}"


class TeamSerializer(ValidatedModelSerializer):
    """A team with how many members it has and where to list them (paged), not the members.

    Nesting every member made a page of 500 teams megabytes long.
    """

    member_count = MemberCountField(
        help_text="Member rows of the team, past ones included (as the members list shows)."
    )
    members_url = MembersUrlField(
        help_text="``/api/v1/team-members/?team=<id>``: the team's members, paged like every list."
    )

    class Meta:
        model = Team
        fields = [
            "id",
            "pairing",
            "kind",
            "name",
            "host_organization",
            "start_date",
            "end_date",
            "notes",
            "member_count",
            "members_url",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        # member_count counts the members (core.feed touches the team).
        derived_from = (Derived(TeamMember, Team, (("team_id", "id"),)),)


class TeamViewSet(ScopedModelViewSet):
    """Teams with their member count and a link to their members (write them at /team-members/)."""

    queryset = Team.objects.all()
    serializer_class = TeamSerializer
    filterset_class = TeamFilterSet

    def get_queryset(self):
        members = count_per_row(TeamMember.objects.all(), "team")
        return super().get_queryset().annotate(member_count=members)

    @extend_schema(responses={200: NestedMemberSerializer(many=True)})
    # All of them, unfiltered and unpaged: the schema then offers no filters or cursor.
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def members(self, request, pk=None):
        """The team's members, by sub-group."""
        team = self.get_object()
        members = team.members.select_related("person").order_by("subgroup", "role", "id")
        return Response(NestedMemberSerializer(members, many=True).data)


class TeamMemberViewSet(ScopedModelViewSet):
    queryset = TeamMember.objects.all()
    serializer_class = TeamMemberSerializer
    filterset_class = TeamMemberFilterSet
    select_related = ("person",)


class CheckInSerializer(ValidatedModelSerializer):
    class Meta:
        model = CheckIn
        fields = [
            "id",
            "person",
            "date",
            "slot",
            "state",
            "note",
            "recorded_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["recorded_at", "created_at", "updated_at"]


class CheckInViewSet(ScopedModelViewSet):
    """两安两好 check-ins; filter by person, team, date, slot and state."""

    queryset = CheckIn.objects.all()
    serializer_class = CheckInSerializer
    filterset_class = CheckInFilterSet


class LeaveRequestSerializer(ValidatedModelSerializer):
    class Meta:
        model = LeaveRequest
        fields = [
            "id",
            "person",
            "team",
            "start_date",
            "end_date",
            "reason",
            "status",
            "decided_by",
            "decided_at",
            "decision_comment",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "status",
            "decided_by",
            "decided_at",
            "decision_comment",
            "created_at",
            "updated_at",
        ]


class LeaveRequestViewSet(ScopedModelViewSet):
    """Leave requests; the team's leader or its coordinator approves or rejects them."""

    queryset = LeaveRequest.objects.all()
    serializer_class = LeaveRequestSerializer
    filterset_class = LeaveRequestFilterSet


class ApprenticeSerializer(serializers.Serializer):
    name = serializers.CharField()
    unit = serializers.CharField()


class ApprenticeListField(serializers.Field):
    """The apprentices' text as ``[{"name", "unit"}, …]``: a function of the column's value,
    so a list of mentorships is read as column values (core.api_rows)."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value):
        return self.value_representer()(value)

    def value_representer(self):
        return lambda text: [{"name": name, "unit": unit} for name, unit in apprentice_rows(text)]


class ApprenticeListSchema(OpenApiSerializerFieldExtension):
    """The field's schema is its rows' (``Apprentice``), in responses only: it is read-only, and
    mapped for requests too it would add an ``ApprenticeRequest`` that nothing uses."""

    target_class = ApprenticeListField

    def map_serializer_field(self, auto_schema, direction):
        return auto_schema._map_serializer_field(ApprenticeSerializer(many=True), "response")


class MentorshipSerializer(ValidatedModelSerializer):
    apprentice_list = ApprenticeListField(source="apprentices")

    class Meta:
        model = Mentorship
        fields = [
            "id",
            "mentor",
            "subject",
            "apprentices",
            "apprentice_list",
            "goals",
            "start_date",
            "end_date",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]


class MentorshipViewSet(ScopedModelViewSet):
    queryset = Mentorship.objects.all()
    serializer_class = MentorshipSerializer
    filterset_class = MentorshipFilterSet


class AwardSerializer(ValidatedModelSerializer):
    class Meta:
        model = Award
        fields = [
            "id",
            "person",
            "title",
            "level",
            "year",
            "issuer",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]


class AwardViewSet(ScopedModelViewSet):
    queryset = Award.objects.all()
    serializer_class = AwardSerializer
    filterset_class = AwardFilterSet


class CareRecordSerializer(ValidatedModelSerializer):
    class Meta:
        model = CareRecord
        fields = [
            "id",
            "person",
            "kind",
            "date",
            "note",
            "follow_up_date",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]


class CareRecordViewSet(ScopedModelViewSet):
    queryset = CareRecord.objects.all()
    serializer_class = CareRecordSerializer
    filterset_class = CareRecordFilterSet
