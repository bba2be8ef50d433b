import django_filters
from django.utils.translation import gettext_lazy as _

from accounts.choices import Role
from accounts.models import User
from aidtrack.core.filters import ScopedFilterSet


class UserFilterSet(ScopedFilterSet):
    search_fields = ("username", "full_name", "email", "organization_name")

    role = django_filters.ChoiceFilter(choices=Role.choices, label=_("role"))
    is_active = django_filters.BooleanFilter(label=_("active"))

    class Meta:
        model = User
        fields = ["q", "role", "is_active"]
