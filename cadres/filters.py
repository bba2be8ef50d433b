import django_filters
from django.utils.translation import gettext_lazy as _

from aidtrack.core.filters import ScopedFilterSet
from cadres.choices import Gender, PersonCategory, Specialty
from cadres.models import Person


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
