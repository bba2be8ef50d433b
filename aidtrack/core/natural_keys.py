"""Natural keys: a duplicate names the record it duplicates.

A model lists the field sets that identify a record in the domain, each
backed by one of its ``UniqueConstraint`` (the constraint's condition and
``nulls_distinct`` apply)::

    class FundTransaction(BaseModel):
        natural_keys = (("project", "kind", "voucher_number"),)

``BaseModel.full_clean`` (which forms, serializers and services all run)
hands its ``ValidationError`` to ``refine``: when the error is a natural
key's violation and the existing record is found, it becomes a
``DuplicateRecord`` — still a ``ValidationError`` with the same messages, so
every caller that handles those keeps working, carrying the existing record.
The API answers it with 409 ``{"code": "duplicate", "message", "existing":
{"id", "url"}}`` (``duplicate_response``), the edit form shows the message
with a link to the record (``linked_errors``). Either names the record only
to a user who may see it; anyone else gets the message alone.

A duplicate that slips past the check (two writers at the same moment)
meets the constraint in the database: the API answers that 409 too, without
naming the record (``integrity_error_response``).
"""

from django.core.exceptions import NON_FIELD_ERRORS, FieldError, ValidationError
from django.db import IntegrityError, connections, models
from django.db.models.expressions import RawSQL
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.response import Response

from aidtrack.core import scoping

DUPLICATE_CODE = "duplicate"
_UNIQUE_VIOLATION = "23505"


class DuplicateRecord(ValidationError):
    """A natural key's violation, with the record that already holds the key."""

    def __init__(self, errors, *, existing, constraint):
        super().__init__(errors)
        self.existing = existing
        self.constraint = constraint

    @property
    def duplicate_message(self) -> str:
        return str(self.constraint.get_violation_error_message())


class DuplicateRefused(exceptions.APIException):
    """A DuplicateRecord raised through a serializer (DRF turns a ValidationError into a 400)."""

    status_code = 409
    default_code = DUPLICATE_CODE

    def __init__(self, duplicate: DuplicateRecord):
        super().__init__(duplicate.duplicate_message)
        self.duplicate = duplicate


def duplicate_in(exc) -> DuplicateRecord | None:
    """The DuplicateRecord an exception stands for, if any."""
    if isinstance(exc, DuplicateRefused):
        return exc.duplicate
    return exc if isinstance(exc, DuplicateRecord) else None


def constraints_of(model) -> list[models.UniqueConstraint]:
    """The UniqueConstraint behind each of the model's declared natural keys."""
    declared = [frozenset(key) for key in getattr(model, "natural_keys", ())]
    found = []
    for key in declared:
        matches = [
            c
            for c in model._meta.constraints
            if isinstance(c, models.UniqueConstraint) and frozenset(c.fields) == key
        ]
        if not matches:
            raise LookupError(f"{model.__name__}: no UniqueConstraint on natural key {set(key)}")
        found.append(matches[0])
    return found


def holding(queryset, fields, keys):
    """The rows of ``queryset`` whose ``fields`` hold one of ``keys``.

    ``keys`` are tuples of column values (a relation by its id), none null.
    The rows are found by joining the keys as arrays, so PostgreSQL probes the
    key's index once per key: filtering each field by its own list of values
    reads every row of every project named, for an import's batch of 2,000
    vouchers. Add the constraint's condition to reach a partial index.
    """
    model = queryset.model
    keys = list(keys)
    if not keys:
        return queryset.none()
    connection = connections[queryset.db]
    table = connection.ops.quote_name(model._meta.db_table)
    columns, arrays = [], []
    for name in fields:
        field = model._meta.get_field(name)
        columns.append(f"{table}.{connection.ops.quote_name(field.column)}")
        arrays.append(f"%s::{field.db_type(connection)}[]")
    # Only the model's own names are written into the SQL; the keys are parameters.
    sql = f"({', '.join(columns)}) IN (SELECT * FROM unnest({', '.join(arrays)}))"  # noqa: S608
    params = [[key[i] for key in keys] for i in range(len(fields))]
    return queryset.filter(RawSQL(sql, params, output_field=models.BooleanField()))  # noqa: S611


def refine(instance, exc: ValidationError) -> ValidationError:
    """``exc`` as a DuplicateRecord when a stored record holds one of the natural keys.

    Looked up whatever ``exc`` reports: a model's ``clean()`` may state the
    duplicate its own way (an overlapping period), which excludes the field
    from the constraint's check. Only invalid writes pay for the lookup.
    """
    constraints = constraints_of(type(instance))
    if not constraints:
        return exc
    for constraint in constraints:
        try:
            existing = find_existing(instance, constraint)
        except (ValueError, TypeError, ValidationError, FieldError):
            continue  # a key field holds no valid value: its own error says so
        if existing is not None:
            errors = exc.error_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc}
            errors = {field: list(messages) for field, messages in errors.items()}
            message = str(constraint.get_violation_error_message())
            general = errors.setdefault(NON_FIELD_ERRORS, [])
            if not any(error.messages == [message] for error in general):
                general.insert(0, ValidationError(message, code=DUPLICATE_CODE))
            return DuplicateRecord(errors, existing=existing, constraint=constraint)
    return exc


def find_existing(instance, constraint):
    """The stored record holding ``instance``'s values of the constraint's fields, if any."""
    model = type(instance)
    lookup = {}
    for name in constraint.fields:
        attname = model._meta.get_field(name).attname
        value = getattr(instance, attname)
        if value is None:
            if constraint.nulls_distinct is not False:
                return None  # NULL never equals NULL: no duplicate
            lookup[f"{attname}__isnull"] = True
        else:
            lookup[attname] = value
    rows = model._base_manager.filter(**lookup)
    if constraint.condition is not None:
        against = instance._get_field_expression_map(meta=model._meta)
        if not constraint.condition.check(against):
            return None  # the rule does not cover this record (a blank voucher)
        rows = rows.filter(constraint.condition)
    if not instance._state.adding and instance.pk is not None:
        rows = rows.exclude(pk=instance.pk)
    return rows.order_by("pk").first()


def visible_to(record, user) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return type(record).objects.for_user(user, scoping.VIEW).filter(pk=record.pk).exists()


def api_url(record, request=None) -> str | None:
    try:
        url = reverse(f"api:{record._meta.model_name}-detail", args=[record.pk])
    except NoReverseMatch:
        return None
    return request.build_absolute_uri(url) if request is not None else url


def duplicate_response(exc: DuplicateRecord, request) -> Response:
    """409 naming the existing record, to a caller who may see it."""
    body = {"code": DUPLICATE_CODE, "message": exc.duplicate_message}
    if visible_to(exc.existing, getattr(request, "user", None)):
        body["existing"] = {"id": exc.existing.pk, "url": api_url(exc.existing, request)}
    return Response(body, status=409)


def natural_key_violation(exc: IntegrityError, model):
    """The natural key constraint ``exc`` (from a write of ``model``) violated, if it is one."""
    cause = exc.__cause__
    if model is None or getattr(cause, "pgcode", None) != _UNIQUE_VIOLATION:
        return None
    name = getattr(getattr(cause, "diag", None), "constraint_name", None)
    return next((c for c in constraints_of(model) if c.name == name), None)


def integrity_error_response(exc: IntegrityError, model):
    """409 for a natural key the database refused (a concurrent duplicate); None otherwise."""
    constraint = natural_key_violation(exc, model)
    if constraint is None:
        return None
    return Response(
        {"code": DUPLICATE_CODE, "message": str(constraint.get_violation_error_message())},
        status=409,
    )


def linked_errors(exc: ValidationError, user) -> ValidationError:
    """For a form: the duplicate's message with a link to the existing record, if visible."""
    if not isinstance(exc, DuplicateRecord) or not visible_to(exc.existing, user):
        return exc
    url = exc.existing.get_absolute_url()
    if not url:
        return exc
    plain = exc.duplicate_message
    link = format_html(
        '{} <a href="{}" class="alert-link">{}</a>',
        plain,
        url,
        _("Open the existing record: %(record)s") % {"record": exc.existing},
    )
    errors = {}
    for field, messages in exc.error_dict.items():
        errors[field] = [
            ValidationError(link, code=DUPLICATE_CODE) if m.messages == [plain] else m
            for m in messages
        ]
    return ValidationError(errors)
