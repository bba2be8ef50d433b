from datetime import timedelta

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aidtrack.core.filters import DaysFilter, IdFilter, ScopedFilterSet, YearFilter
from cadres.choices import (
    AwardLevel,
    CareKind,
    CheckInSlot,
    CheckInState,
    DeploymentKind,
    DeploymentStatus,
    Direction,
    Gender,
    LeaveStatus,
    PersonCategory,
    Specialty,
    TeamKind,
    TeamRole,
)
from cadres.models import (
    Award,
    CareRecord,
    CheckIn,
    Deployment,
    LeaveRequest,
    Mentorship,
    Person,
    Team,
    TeamMember,
)
from cadres.selectors import (
    deployment_active_on,
    deployment_started_in,
    membership_current_on,
)
from pairings.filters import pairing_tree_filter


class PersonFilterSet(ScopedFilterSet):
    # Never by ID number or phone: a search must not confirm a guessed number.
    search_fields = ("name", "title", "rank", "home_organization__name")

    category = django_filters.ChoiceFilter(choices=PersonCategory.choices, label=_("category"))
    specialty = django_filters.ChoiceFilter(choices=Specialty.choices, label=_("specialty"))
    gender = django_filters.ChoiceFilter(choices=Gender.choices, label=_("gender"))
    home_organization = IdFilter(
        field_name="home_organization", label=_("home organisation"), model="pairings.Organization"
    )

    class Meta:
        model = Person
        fields = ["q", "category", "specialty", "gender", "home_organization"]


class DeploymentFilterSet(ScopedFilterSet):
    # A dashboard figure over several years links here with ``from_year`` (core.filters).
    year_range_filters = ("start_year",)
    search_fields = ("person__name", "post", "host_organization__name")

    pairing = pairing_tree_filter("pairing")
    status = django_filters.ChoiceFilter(choices=DeploymentStatus.choices, label=_("status"))
    direction = django_filters.ChoiceFilter(choices=Direction.choices, label=_("direction"))
    kind = django_filters.ChoiceFilter(choices=DeploymentKind.choices, label=_("kind"))
    category = django_filters.ChoiceFilter(
        field_name="person__category", choices=PersonCategory.choices, label=_("category")
    )
    specialty = django_filters.ChoiceFilter(
        field_name="person__specialty", choices=Specialty.choices, label=_("specialty")
    )
    on_post_on = django_filters.DateFilter(method="filter_on_post_on", label=_("on post on"))
    ending_within = DaysFilter(method="filter_ending_within", label=_("ending within (days)"))
    start_year = YearFilter(method="filter_start_year", label=_("begun in year"))
    person = IdFilter(field_name="person", label=_("person"), model="cadres.Person")

    class Meta:
        model = Deployment
        fields = [
            "q",
            "pairing",
            "status",
            "direction",
            "kind",
            "category",
            "specialty",
            "on_post_on",
            "ending_within",
            "start_year",
            "person",
        ]

    def filter_start_year(self, queryset, name, value):
        return queryset.filter(deployment_started_in(value))

    def filter_on_post_on(self, queryset, name, value):
        return queryset.filter(deployment_active_on(value))

    def filter_ending_within(self, queryset, name, value):
        today = timezone.localdate()
        return queryset.filter(
            status__in=(DeploymentStatus.PLANNED, DeploymentStatus.ON_POST),
            planned_end_date__gte=today,
            planned_end_date__lte=today + timedelta(days=value),
        )


class TeamFilterSet(ScopedFilterSet):
    search_fields = ("name", "host_organization__name", "notes")

    pairing = pairing_tree_filter("pairing")
    kind = django_filters.ChoiceFilter(choices=TeamKind.choices, label=_("kind"))
    active_on = django_filters.DateFilter(method="filter_active_on", label=_("active on"))

    class Meta:
        model = Team
        fields = ["q", "pairing", "kind", "active_on"]

    def filter_active_on(self, queryset, name, value):
        return queryset.filter(start_date__lte=value).exclude(end_date__lt=value)


class TeamMemberFilterSet(ScopedFilterSet):
    search_fields = ("person__name", "team__name", "subgroup")

    team = IdFilter(field_name="team", label=_("team"), model="cadres.Team")
    person = IdFilter(field_name="person", label=_("person"), model="cadres.Person")
    # The row's copy of its team's pairing (aidtrack.core.copies), not the team's through a join.
    pairing = pairing_tree_filter("pairing")
    role = django_filters.ChoiceFilter(choices=TeamRole.choices, label=_("role"))
    subgroup = django_filters.CharFilter(field_name="subgroup", label=_("sub-group"))
    current_on = django_filters.DateFilter(method="filter_current_on", label=_("member on"))

    class Meta:
        model = TeamMember
        fields = ["q", "team", "person", "pairing", "role", "subgroup", "current_on"]

    def filter_current_on(self, queryset, name, value):
        return queryset.filter(membership_current_on(value))


class CheckInFilterSet(ScopedFilterSet):
    search_fields = ("person__name", "note")

    person = IdFilter(field_name="person", label=_("person"), model="cadres.Person")
    team = IdFilter(method="filter_team", label=_("team"), model="cadres.Team")
    date = django_filters.DateFilter(field_name="date", label=_("date"))
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte", label=_("from"))
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte", label=_("to"))
    slot = django_filters.ChoiceFilter(choices=CheckInSlot.choices, label=_("slot"))
    state = django_filters.ChoiceFilter(choices=CheckInState.choices, label=_("state"))

    class Meta:
        model = CheckIn
        fields = ["q", "person", "team", "date", "date_from", "date_to", "slot", "state"]

    def filter_team(self, queryset, name, value):
        members = TeamMember.objects.filter(team_id=value).values("person_id")
        return queryset.filter(person_id__in=members)


class LeaveRequestFilterSet(ScopedFilterSet):
    search_fields = ("person__name", "team__name", "reason")

    person = IdFilter(field_name="person", label=_("person"), model="cadres.Person")
    team = IdFilter(field_name="team", label=_("team"), model="cadres.Team")
    pairing = pairing_tree_filter("pairing")
    status = django_filters.ChoiceFilter(choices=LeaveStatus.choices, label=_("status"))
    on = django_filters.DateFilter(method="filter_on", label=_("on leave on"))

    class Meta:
        model = LeaveRequest
        fields = ["q", "person", "team", "pairing", "status", "on"]

    def filter_on(self, queryset, name, value):
        return queryset.filter(start_date__lte=value, end_date__gte=value)


class MentorshipFilterSet(ScopedFilterSet):
    search_fields = ("mentor__name", "subject", "apprentices", "goals")

    mentor = IdFilter(field_name="mentor", label=_("mentor"), model="cadres.Person")
    year = YearFilter(field_name="start_date__year", label=_("starting year"))

    class Meta:
        model = Mentorship
        fields = ["q", "mentor", "year"]


class AwardFilterSet(ScopedFilterSet):
    search_fields = ("person__name", "title", "issuer")

    person = IdFilter(field_name="person", label=_("person"), model="cadres.Person")
    level = django_filters.ChoiceFilter(choices=AwardLevel.choices, label=_("level"))
    year = YearFilter(field_name="year", label=_("year"))

    class Meta:
        model = Award
        fields = ["q", "person", "level", "year"]


class CareRecordFilterSet(ScopedFilterSet):
    search_fields = ("person__name", "note")

    person = IdFilter(field_name="person", label=_("person"), model="cadres.Person")
    kind = django_filters.ChoiceFilter(choices=CareKind.choices, label=_("kind"))
    year = YearFilter(field_name="date__year", label=_("year"))
    follow_up_due = django_filters.DateFilter(
        field_name="follow_up_date", lookup_expr="lte", label=_("follow-up due by")
    )

    class Meta:
        model = CareRecord
        fields = ["q", "person", "kind", "year", "follow_up_due"]
