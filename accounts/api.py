from rest_framework import serializers

from accounts.filters import UserFilterSet
from accounts.models import User
from aidtrack.core.api import ScopedModelViewSet, ValidatedModelSerializer


class UserSerializer(ValidatedModelSerializer):
    scope_pairings = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "full_name",
            "email",
            "organization_name",
            "role",
            "scope_pairings",
            "is_active",
            "last_login",
            "date_joined",
        ]
        read_only_fields = fields


class UserViewSet(ScopedModelViewSet):
    """Accounts, read-only: administrators see all, everyone else themselves."""

    queryset = User.objects.all()
    serializer_class = UserSerializer
    filterset_class = UserFilterSet
    prefetch_related = ("scope_pairings",)
    http_method_names = ["get", "head", "options"]
