from datetime import timedelta

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aidtrack.core.filters import ScopedFilterSet
from cadres.choices import (
    DeploymentKind,
    DeploymentStatus,
    Direction,
    Gender,
    PersonCategory,
    Specialty,
)
from cadres.models import Deployment, Person
from cadres.selectors import deployment_active_on
from pairings.models import Pairing


class PersonFilterSet(ScopedFilterSet):
    # Never by ID number or phone: a search must not confirm a guessed number.
    search_fields = ("name", "title", "rank", "home_organization__name")

    category = django_filters.ChoiceFilter(choices=PersonCategory.choices, label=_("category"))
    specialty = django_filters.ChoiceFilter(choices=Specialty.choices, label=_("specialty"))
    gender = django_filters.ChoiceFilter(choices=Gender.choices, label=_("gender"))
    home_organization = django_filters.NumberFilter(
        field_name="home_organization", label=_("home organisation (id)")
    )

    class Meta:
        model = Person
        fields = ["q", "category", "specialty", "gender", "home_organization"]


class DeploymentFilterSet(ScopedFilterSet):
    search_fields = ("person__name", "post", "host_organization__name")

    pairing = django_filters.NumberFilter(
        method="filter_pairing", label=_("pairing (id, incl. pairings below)")
    )
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
    ending_within = django_filters.NumberFilter(
        method="filter_ending_within", label=_("ending within (days)"), min_value=0
    )
    person = django_filters.NumberFilter(field_name="person", label=_("person (id)"))

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
            "person",
        ]

    def filter_pairing(self, queryset, name, value):
        return queryset.filter(pairing__in=Pairing.objects.descendant_ids([int(value)]))

    def filter_on_post_on(self, queryset, name, value):
        return queryset.filter(deployment_active_on(value))

    def filter_ending_within(self, queryset, name, value):
        today = timezone.localdate()
        return queryset.filter(
            status__in=(DeploymentStatus.PLANNED, DeploymentStatus.ON_POST),
            planned_end_date__gte=today,
            planned_end_date__lte=today + timedelta(days=int(value)),
        )
