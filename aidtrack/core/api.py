"""API base classes: scoped viewsets, validated serializers, paging and errors.

A model's API is a serializer and a viewset that name the model, the
FilterSet and the related rows to fetch::

    class PairingViewSet(ScopedModelViewSet):
        queryset = Pairing.objects.all()
        serializer_class = PairingSerializer
        filterset_class = PairingFilterSet
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, permissions, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.settings import api_settings

from aidtrack.core import audit, scoping
from aidtrack.core.api_defaults import django_error_dict, request_action
from aidtrack.core.forms import OUT_OF_SCOPE_MESSAGE
from aidtrack.core.locking import ensure_unlocked


class ValidatedModelSerializer(serializers.ModelSerializer):
    """Runs the model's ``full_clean()`` so the API enforces the same rules as forms.

    Related-record fields only accept rows in the requesting user's scope.
    """

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        user = getattr(request, "user", None)
        for field in fields.values():
            target = getattr(field, "child_relation", field)
            queryset = getattr(target, "queryset", None)
            if queryset is not None and hasattr(queryset, "for_user"):
                target.queryset = queryset.for_user(user, scoping.VIEW)
        return fields

    def validate(self, attrs):
        attrs = super().validate(attrs)
        model = self.Meta.model
        many_to_many = {f.name for f in model._meta.many_to_many}
        instance = self.instance or model()
        for name, value in attrs.items():
            if name not in many_to_many:
                setattr(instance, name, value)
        try:
            instance.full_clean(exclude=list(many_to_many))
        except DjangoValidationError as exc:
            raise serializers.ValidationError(django_error_dict(exc)) from exc
        return attrs


class ScopedModelViewSet(viewsets.ModelViewSet):
    """List/retrieve/create/update/delete through ``for_user``; writes re-check scope."""

    # The scoping action of extra actions, whose POST is not always an "add":
    # {"reveal": scoping.VIEW, "extend": scoping.CHANGE}.
    action_scopes: dict[str, str] = {}
    # Related rows serialized with each record, fetched with it.
    select_related: tuple[str, ...] = ()
    prefetch_related: tuple[str, ...] = ()

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method not in permissions.SAFE_METHODS:
            # Token users are only known now, after DRF authenticated them.
            audit.set_actor(request.user, source="api", request_id=getattr(request, "id", ""))

    # The keyword under which run_action passes the record to a service.
    record_argument: str = ""

    def run_action(self, service, payload_class=None, *, respond_with=None, **fixed):
        """A POST action: validate the body with ``payload_class``, call the service.

        The service gets the record (as ``record_argument``), the payload and
        ``fixed``; a refusal (ValidationError) becomes a 400 through the
        exception handler. The answer is ``respond_with(result)`` or the
        record as it now is.
        """
        record = self.get_object()
        data = {}
        if payload_class is not None:
            payload = payload_class(data=self.request.data, context=self.get_serializer_context())
            payload.is_valid(raise_exception=True)
            data = payload.validated_data
        result = service(**{self.record_argument: record}, **data, **fixed)
        if respond_with is not None:
            return respond_with(result)
        return Response(self.get_serializer(self.get_object()).data)

    def get_queryset(self):
        action = request_action(self.request, self)
        queryset = super().get_queryset().for_user(self.request.user, action)
        if self.select_related:
            queryset = queryset.select_related(*self.select_related)
        if self.prefetch_related:
            queryset = queryset.prefetch_related(*self.prefetch_related)
        return queryset

    def _save_in_scope(self, save, action):
        with transaction.atomic():
            obj = save()
            if not scoping.is_in_scope(obj, self.request.user, action):
                raise exceptions.ValidationError(
                    {api_settings.NON_FIELD_ERRORS_KEY: [OUT_OF_SCOPE_MESSAGE]}
                )
        return obj

    def perform_create(self, serializer):
        self._save_in_scope(serializer.save, scoping.ADD)

    def get_object(self):
        obj = super().get_object()
        if request_action(self.request, self) in (scoping.CHANGE, scoping.DELETE):
            ensure_unlocked(obj, self.request.user)
        return obj

    def perform_update(self, serializer):
        self._save_in_scope(serializer.save, scoping.CHANGE)

    def destroy(self, request, *args, **kwargs):
        instance = self.get_object()
        try:
            instance.delete()
        except ProtectedError as exc:
            raise exceptions.ValidationError(
                {
                    api_settings.NON_FIELD_ERRORS_KEY: [
                        _("This record cannot be deleted because other records refer to it.")
                    ]
                }
            ) from exc
        return Response(status=status.HTTP_204_NO_CONTENT)
