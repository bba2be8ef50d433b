"""API base classes: scoped viewsets, validated serializers, paging and errors.

A model's API is a serializer and a viewset that name the model, the
FilterSet and the related rows to fetch::

    class PairingViewSet(ScopedModelViewSet):
        queryset = Pairing.objects.all()
        serializer_class = PairingSerializer
        filterset_class = PairingFilterSet
"""

from functools import cache

from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models, transaction
from django.db.models import ProtectedError
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, parsers, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.settings import api_settings

from aidtrack.core import audit, natural_keys, scoping
from aidtrack.core.api_defaults import FastJSONRenderer, django_error_dict, request_action
from aidtrack.core.api_rows import LISTED, CompiledListSerializer, as_listed_prefetch, column_plan
from aidtrack.core.files import UPLOAD_KINDS, file_field_name, file_response
from aidtrack.core.forms import OUT_OF_SCOPE_MESSAGE
from aidtrack.core.idempotency import IdempotentPostMixin
from aidtrack.core.locking import ensure_unlocked
from aidtrack.core.params import (
    IdListFilter,
    StrictParametersMixin,
    requested_fields,
    select_fields,
)
from aidtrack.core.transitions import transitions_of
from aidtrack.core.versions import ConditionalRequestsMixin
from aidtrack.core.writes import delete_record, save_record

# The context's scheme and host ("https://aidtrack.example") where it holds no request:
# a list's column plan is kept for all the requests to that origin (ScopedModelViewSet).
ORIGIN = "origin"


def absolute_url(context: dict, url: str) -> str:
    """``url`` (a path) made absolute for the serializer ``context``'s request or origin."""
    request = context.get("request")
    if request is not None:
        return request.build_absolute_uri(url)
    return context.get(ORIGIN, "") + url


class DownloadFileField(serializers.FileField):
    """Takes an upload; shows the absolute URL of the record's download action.

    A storage path or MEDIA_URL address would lead nowhere (nothing serves
    them) and would bypass the scope check; the action checks it.
    """

    # An id no record has, to find where ids go in a download URL.
    MARK = 7_351_902_648_113

    def to_representation(self, value):
        if not value:
            return None
        record = value.instance
        url = reverse(f"api:{record._meta.model_name}-download", args=[record.pk])
        return absolute_url(self.context, url)

    def column_reading(self, model, prefix: str = "", annotations=()):
        """(lookups, read, represent) of a list read as column values (core.api_rows): the
        file's name and the record's id, the URL made as ``row_representer`` makes it."""
        template = None if prefix else self._url_template(model._meta.model_name)
        if template is None or len(self.source_attrs) != 1:
            return None
        before, after = template
        name, pk = self.source_attrs[0], model._meta.pk.attname

        def read(values):
            return values[pk] if values[name] else None  # no file: null, as DRF gives

        return [pk, name], read, lambda record_id: f"{before}{record_id}{after}"

    def row_representer(self):
        """``to_representation`` for the rows of one response (core.api_rows).

        The URLs of a page differ only by the record's id: the URL is
        reversed and made absolute once per model, the id put in its place.
        ``reverse`` and ``build_absolute_uri`` per row cost more than the
        rest of the row.
        """
        templates = {}

        def represent(value):
            if not value:
                return None
            record = value.instance
            name = record._meta.model_name
            if name not in templates:
                templates[name] = self._url_template(name)
            template = templates[name]
            if template is None or type(record.pk) is not int:
                return self.to_representation(value)
            return f"{template[0]}{record.pk}{template[1]}"

        return represent

    def _url_template(self, model_name):
        """(before, after) the id in the model's download URL; None where the mark is not alone."""
        mark = str(self.MARK)
        url = reverse(f"api:{model_name}-download", args=[self.MARK])
        before, found, after = absolute_url(self.context, url).partition(mark)
        return (before, after) if found and mark not in after else None


class CompiledListMixin:
    """``many=True`` gives a CompiledListSerializer unless the Meta names another list class."""

    @classmethod
    def many_init(cls, *args, **kwargs):
        listed = super().many_init(*args, **kwargs)
        if type(listed) is serializers.ListSerializer:
            # DRF's default list class, with nothing of its own: the compiled one
            # only changes how rows are represented.
            listed.__class__ = CompiledListSerializer
        return listed


class ReadModelSerializer(CompiledListMixin, serializers.ModelSerializer):
    """A model serializer whose lists go through the compiled row function."""


class ValidatedModelSerializer(CompiledListMixin, serializers.ModelSerializer):
    """Runs the model's ``full_clean()`` so the API enforces the same rules as forms.

    Related-record fields only accept rows in the requesting user's scope.
    File fields show their download URL (``DownloadFileField``).
    """

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.FileField: DownloadFileField,
    }

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if _answers_in_json_only(request):
            # Related querysets validate input and list choices; a read answered in JSON
            # does neither, and scoping them cost a coordinator up to 10 ms per request.
            return fields
        user = getattr(request, "user", None)
        for name, field in fields.items():
            target = getattr(field, "child_relation", field)
            queryset = getattr(target, "queryset", None)
            if queryset is not None and hasattr(queryset, "for_user"):
                target.queryset = queryset.for_user(user, scoping.VIEW)
                if target is field:
                    target.queryset |= self._stored_reference(name, field, queryset)
        return fields

    def get_unique_together_constraints(self, model):
        # Natural keys are left to full_clean, whose duplicate names the existing record (409).
        natural = natural_keys.constraints_of(model)
        for entry in super().get_unique_together_constraints(model):
            if entry[-1] not in natural:
                yield entry

    def _stored_reference(self, name, field, queryset):
        """The record's stored reference, which a ``PUT`` may repeat even if out of reach.

        Only that one row: any other reference outside the user's scope stays invalid.
        """
        instance = self.instance if isinstance(self.instance, self.Meta.model) else None
        source = field.source or name  # fields are not bound yet: no source means the name
        try:
            attname = self.Meta.model._meta.get_field(source).attname
        except FieldDoesNotExist:
            return queryset.none()
        current = getattr(instance, attname, None) if instance is not None else None
        return queryset.filter(pk=current) if current is not None else queryset.none()

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
        except natural_keys.DuplicateRecord as exc:
            raise natural_keys.DuplicateRefused(exc) from exc  # 409 naming the existing record
        except DjangoValidationError as exc:
            raise serializers.ValidationError(django_error_dict(exc)) from exc
        return attrs

    # Saved the way the model declares (core.writes): serializers only validate.
    def create(self, validated_data):
        return self._save(self.Meta.model(), validated_data)

    def update(self, instance, validated_data):
        return self._save(instance, validated_data)

    def _save(self, instance, validated_data):
        many_to_many = {f.name for f in instance._meta.many_to_many}
        related = {name: validated_data.pop(name) for name in many_to_many & validated_data.keys()}
        for name, value in validated_data.items():
            setattr(instance, name, value)
        instance = save_record(instance, user=self.context["request"].user)
        for name, value in related.items():
            getattr(instance, name).set(value)
        return instance


def _answers_in_json_only(request) -> bool:
    """A GET or HEAD whose answer is our JSON: nothing in it reads a related field's queryset.

    Any other request (a write, OPTIONS, the browsable API's forms in
    development, a serializer used outside a view) has its choices scoped.
    """
    return (
        request is not None
        and request.method in ("GET", "HEAD")
        and type(getattr(request, "accepted_renderer", None)) is FastJSONRenderer
    )


_PLANS = {}  # (serializer class, time zone, annotations) → column plan or None


def _fields_are_declared(serializer_class) -> bool:
    """Whether the class's fields (and its nested serializers') depend on nothing but its code.

    Ours only scope the choices of related fields to the user, which no
    reading uses; a serializer overriding ``get_fields`` otherwise may vary.
    """
    if serializer_class.get_fields not in (
        serializers.ModelSerializer.get_fields,
        ValidatedModelSerializer.get_fields,
    ):
        return False
    nested = (
        getattr(field, "child", field) for field in serializer_class._declared_fields.values()
    )
    return all(
        _fields_are_declared(type(field))
        for field in nested
        if isinstance(field, serializers.ModelSerializer)
    )


# Strict parameters first; then idempotency: a replay answers before any precondition
# is read again.
class ScopedModelViewSet(
    StrictParametersMixin, IdempotentPostMixin, ConditionalRequestsMixin, viewsets.ModelViewSet
):
    """List/retrieve/create/update/delete through ``for_user``; writes re-check scope.

    Detail responses carry an ETag; ``If-Match`` makes a write conditional
    (core.versions).

    Each transition of the model's table (core.transitions) becomes
    ``POST …/{id}/<name>/``: the body is validated by the transition's form,
    the service runs, and the answer is the record as it now is (201 with
    the new record where the service creates one, as a reversal does). A
    step the record's status does not allow answers 409.

    Every POST honours ``Idempotency-Key`` (core.idempotency).
    """

    # The scoping action of extra actions, whose POST is not always an "add":
    # {"reveal": scoping.VIEW, "extend": scoping.CHANGE}.
    action_scopes: dict[str, str] = {}
    # ``?id=3,5,8`` on every list (core.params); named here, not in settings, since
    # DRF imports the settings' backends before the schema machinery params uses.
    filter_backends = [*api_settings.DEFAULT_FILTER_BACKENDS, IdListFilter]
    # Related rows serialized with each record, fetched with it.
    select_related: tuple[str, ...] = ()
    prefetch_related: tuple[str, ...] = ()

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method not in permissions.SAFE_METHODS:
            # Token users are only known now, after DRF authenticated them.
            audit.set_actor(request.user, source="api", request_id=getattr(request, "id", ""))

    def get_serializer(self, *args, **kwargs):
        serializer = super().get_serializer(*args, **kwargs)
        return select_fields(serializer, requested_fields(self.request))  # ?fields= (core.params)

    def get_queryset(self):
        action = request_action(self.request, self)
        queryset = super().get_queryset().for_user(self.request.user, action)
        if self.select_related:
            queryset = queryset.select_related(*self.select_related)
        if self.prefetch_related:
            lookups = self.prefetch_related
            if self.action == "list":
                lookups = [
                    as_listed_prefetch(lookup, self.get_serializer_class()) for lookup in lookups
                ]
            queryset = queryset.prefetch_related(*lookups)
        return queryset

    def list(self, request, *args, **kwargs):
        """A page of rows; read as column values when every field is a column (core.api_rows)."""
        queryset = self.filter_queryset(self.get_queryset())
        plan = None
        if self.paginator is not None:
            plan = self._column_plan(tuple(sorted(queryset.query.annotations)))
            # Read as values only when the plan reads each prefetched list itself (one query
            # each, as the prefetch): every other prefetch needs the instances.
            prefetched = {
                getattr(lookup, "prefetch_through", lookup)
                for lookup in queryset._prefetch_related_lookups
            }
            if plan is not None and prefetched != {nested.source for nested in plan.lists}:
                plan = None
        if plan is None:  # DRF's list, whose serializer compiles its rows (CompiledListSerializer)
            page = self.paginate_queryset(queryset)
            if page is None:
                return Response(self.get_serializer(queryset, many=True).data)
            response = self.get_paginated_response(self.get_serializer(page, many=True).data)
            _release(page)
            return response
        ordering = self.paginator.ordering  # the cursor reads its position from each row
        ordering = (ordering,) if isinstance(ordering, str) else ordering
        lookups = list(dict.fromkeys([*plan.lookups, *(name.lstrip("-") for name in ordering)]))
        page = self.paginate_queryset(queryset.prefetch_related(None).values(*lookups))
        for nested in plan.lists:
            nested.fill(page, queryset.model._meta.pk.name, queryset.db)
        return self.get_paginated_response([plan.row(values) for values in page])

    def _column_plan(self, annotations):
        """column_plan of the serializer; kept per class when its fields are its declaration.

        Building a model serializer's fields costs a few milliseconds on every
        request; a serializer whose fields come from its declaration and Meta
        alone gives the same plan every time (for one time zone: date-times
        are written in it).
        """
        serializer_class = self.get_serializer_class()
        selected = requested_fields(self.request)
        if not _fields_are_declared(serializer_class):
            return column_plan(self.get_serializer(), annotations)
        # No request in the context, so nothing of this one is kept with the plan: the
        # origin alone, which absolute URLs begin with (absolute_url).
        origin = self.request.build_absolute_uri("/").removesuffix("/")
        context = {ORIGIN: origin}
        if selected is not None:  # not kept: callers choose among many combinations
            return column_plan(
                select_fields(serializer_class(context=context), selected), annotations
            )
        key = (serializer_class, timezone.get_current_timezone_name(), origin, annotations)
        if key not in _PLANS:
            _PLANS[key] = column_plan(serializer_class(context=context), annotations)
        return _PLANS[key]

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

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        model = getattr(getattr(cls, "queryset", None), "model", None)
        if model is not None and file_field_name(model):
            # GET …/{id}/download/: the file, found through the scoped queryset like
            # any read (core.files.file_response); the ``file`` field links here.
            cls.download = _download_action()
            if _takes_upload(cls.serializer_class, file_field_name(model)):
                # Bodies are JSON (settings); a file can only travel as multipart.
                cls.parser_classes = [parsers.MultiPartParser, parsers.JSONParser]
        table = transitions_of(model)
        if table:
            cls.action_scopes = {**cls.action_scopes}
            for transition in table:
                method = f"transition_{transition.name}"
                setattr(cls, method, _transition_action(transition, cls.serializer_class))
                cls.action_scopes[method] = transition.action

    def _transition(self):
        return transitions_of(self.queryset.model)[self.action.removeprefix("transition_")]

    def run_transition(self, request):
        transition = self._transition()
        if not transition.permitted(request.user, self.queryset.model):
            self.permission_denied(request)
        record = self.get_object()
        form = transition.form_class(request.data, record=record, user=request.user)
        if not form.is_valid():
            raise exceptions.ValidationError(django_error_dict(DjangoValidationError(form.errors)))
        result = transition.run(record, user=request.user, **form.cleaned_data)
        if isinstance(result, type(record)) and result.pk != record.pk:
            return Response(self.get_serializer(result).data, status=status.HTTP_201_CREATED)
        return Response(self.get_serializer(self.get_object()).data)

    def get_object(self):
        obj = super().get_object()
        writes = request_action(self.request, self) in (scoping.CHANGE, scoping.DELETE)
        # Transitions are what move a locked record on; their services check the status.
        if writes and not (self.action or "").startswith("transition_"):
            ensure_unlocked(obj, self.request.user)
        return obj

    def perform_update(self, serializer):
        self._save_in_scope(serializer.save, scoping.CHANGE)

    def destroy(self, request, *args, **kwargs):
        instance = self.get_object()
        try:
            delete_record(instance, user=request.user)
        except ProtectedError as exc:
            raise exceptions.ValidationError(
                {
                    api_settings.NON_FIELD_ERRORS_KEY: [
                        _("This record cannot be deleted because other records refer to it.")
                    ]
                }
            ) from exc
        return Response(status=status.HTTP_204_NO_CONTENT)


_FILE_TYPES = sorted({kind.content_type for kind in UPLOAD_KINDS.values()})


def _download_action():
    """``GET …/{id}/download/``: the record's file as an attachment."""

    def download(self, request, pk=None):
        return file_response(self.get_object(), user=request.user)

    download.__doc__ = (
        "The record's file, as an attachment (Content-Disposition with the UTF-8 name, "
        "nosniff). The `file` field of the record is this URL."
    )
    download = action(detail=True, methods=["get"])(download)
    return extend_schema(
        responses={
            **{(200, content_type): OpenApiTypes.BINARY for content_type in _FILE_TYPES},
            (200, "application/octet-stream"): OpenApiTypes.BINARY,
            404: OpenApiTypes.OBJECT,
        }
    )(download)


def _takes_upload(serializer_class, file_field) -> bool:
    meta = getattr(serializer_class, "Meta", None)
    fields = getattr(meta, "fields", ())
    return file_field in fields and file_field not in getattr(meta, "read_only_fields", ())


def _transition_action(transition, serializer_class):
    """The viewset method of one transition: ``POST …/{id}/<name>/``."""

    def run(self, request, pk=None):
        return self.run_transition(request)

    run.__name__ = f"transition_{transition.name}"
    run.__doc__ = transition.help_text or str(transition.label)
    run = action(detail=True, methods=["post"], url_path=transition.name, url_name=transition.name)(
        run
    )
    # Outside @action, where drf-spectacular looks for it. The description stays lazy: the
    # document is rendered in English (core.schema), the docstring in the default language.
    return extend_schema(
        request=payload_serializer(transition.form_class),
        description=transition.help_text or transition.label,
        responses={201 if transition.creates else 200: serializer_class},
    )(run)


_SERIALIZER_FIELDS = (
    (forms.DateField, serializers.DateField),
    (forms.DecimalField, serializers.DecimalField),
    (forms.IntegerField, serializers.IntegerField),
    (forms.BooleanField, serializers.BooleanField),
    (forms.ModelChoiceField, serializers.IntegerField),
    (forms.ChoiceField, serializers.CharField),
    (forms.CharField, serializers.CharField),
)


@cache  # one class per form: the schema names it once
def payload_serializer(form_class):
    """A serializer describing a payload form's fields, for the API documentation only.

    Requests are validated by the form itself, so browser and API accept the same.
    """
    fields = {}
    for name, field in form_class.base_fields.items():
        for form_field, serializer_field in _SERIALIZER_FIELDS:
            if isinstance(field, form_field):
                options = {"required": field.required, "help_text": field.label or ""}
                if serializer_field is serializers.DecimalField:
                    options.update(max_digits=None, decimal_places=None)
                if serializer_field is serializers.IntegerField and isinstance(
                    field, forms.ModelChoiceField
                ):
                    options["help_text"] = format_lazy("{} (id)", field.label)
                if not field.required and serializer_field is not serializers.BooleanField:
                    options["allow_null"] = True
                fields[name] = serializer_field(**options)
                break
    return type(f"{form_class.__name__}Payload", (serializers.Serializer,), fields)


def _release(page: list) -> None:
    """Let a page's records go as soon as the response holds their rows.

    Python frees most objects as soon as nothing refers to them, but objects
    that refer to each other in a cycle wait for its collector
    (aidtrack.core.collector): a page of 500 rows left it ~50,000. Two
    cycles held the records: DRF's serializer and its fields refer to each
    other and the serializer to the page, and a prefetch links each record
    and its related rows both ways. The page is emptied (the list the
    serializer and the paginator hold) and each record's side of the links
    dropped, so the records go with the page.
    """
    for record in page:
        record.__dict__.pop("_prefetched_objects_cache", None)
        for name in [name for name in record.__dict__ if name.startswith(LISTED)]:
            del record.__dict__[name]
    page.clear()
