"""The OpenAPI document at /api/v1/schema/: what it says is what the API does.

drf-spectacular builds the document from the viewsets and serializers; this
module corrects what it cannot know on its own, each rule once, for every
resource:

- ``SchemaGenerator`` renders in English whatever the caller's language
  (titles, enum descriptions, help texts are translatable and default to
  Chinese), and forces every lazy string while English is active.
- ``AutoSchema`` declares a response field nullable when its source crosses a
  nullable column or relation (``Region.parent``,
  ``Pairing.helping_organization_detail``): DRF answers ``null`` there,
  whatever the field's own ``allow_null`` says. A string that may be blank
  (``User.email`` is ``""`` for most users) carries no ``format`` in
  responses: ``""`` is not an e-mail address.
- ``BoundedFilterExtension`` types the bounded number filters of
  ``core.filters`` as they are parsed: years, ids, months … are integers with
  their bounds, amounts decimal strings.
- ``document_errors`` (a postprocessing hook) gives every operation the
  error statuses it can answer, each with the one ``Error`` component, and
  keeps multipart bodies for uploads only.

Other modules may add responses of their own (409, 412, 422 …) in their own
hooks, referencing ``#/components/schemas/Error`` (``ERROR_REF``); this hook
never replaces a documented error response.
"""

from django.core.exceptions import FieldDoesNotExist
from django.utils import translation
from django.utils.functional import Promise
from drf_spectacular import generators, openapi
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.plumbing import force_instance

from aidtrack.core.filters import AmountFilter, BoundedNumberFilter

SCHEMA_LANGUAGE = "en"

ERROR = "Error"
ERROR_REF = f"#/components/schemas/{ERROR}"
ERROR_SCHEMA = {
    "type": "object",
    "description": (
        "Every error: a machine-readable `code` (it does not depend on the language), a "
        "message for people, and for invalid input the messages of each field "
        "(`non_field_errors` for the record as a whole)."
    ),
    "properties": {
        "code": {"type": "string", "example": "invalid"},
        "message": {"type": "string", "example": "The submitted data is not valid."},
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
        "existing": {
            "type": "object",
            "description": "409 `duplicate`: the record already holding the natural key, "
            "when you may see it.",
            "properties": {"id": {"type": "integer"}, "url": {"type": "string"}},
            "required": ["id", "url"],
        },
        "current_etag": {
            "type": "string",
            "description": "412 `precondition_failed`: the record's ETag now.",
        },
    },
    "required": ["code", "message"],
}

# Status → what it means, as the operation's response description.
ERROR_STATUSES = {
    400: "Invalid input: a field, a filter or paging parameter (`errors` names each).",
    401: "No credentials, or an unknown, revoked or expired token.",
    403: "The role or the token may not perform this action.",
    404: "No such record in your scope.",
    409: "The record's present state does not allow it; `message` says why.",
    415: "The body is not in a media type the operation accepts.",
    429: "Too many requests; wait the seconds `Retry-After` gives.",
}
_UNSAFE = {"post", "put", "patch", "delete"}
_JSON, _MULTIPART = "application/json", "multipart/form-data"


class SchemaGenerator(generators.SchemaGenerator):
    """The document in English, the language partners' generated code is written in."""

    def get_schema(self, request=None, public=False):
        with translation.override(SCHEMA_LANGUAGE):
            return _force_text(super().get_schema(request=request, public=public))


def _force_text(value):
    """Lazy strings evaluated now, while English is active, not when rendered."""
    if isinstance(value, dict):
        return {_force_text(key): _force_text(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_force_text(item) for item in value)
    if isinstance(value, Promise):
        return str(value)
    return value


class AutoSchema(openapi.AutoSchema):
    def _get_serializer_field_meta(self, field, direction):
        meta = super()._get_serializer_field_meta(field, direction)
        if direction == "response" and not meta.get("nullable") and source_may_be_null(field):
            meta["nullable"] = True
        return meta

    def _insert_field_validators(self, field, schema):
        super()._insert_field_validators(field, schema)
        # A writable blank string gets ``oneOf: [format, ""]`` from drf-spectacular; a
        # read-only one (its allow_blank is dropped by DRF) is what its column holds.
        if (
            schema.get("readOnly")
            and schema.get("format") in ("email", "uri")
            and source_may_be_blank(field)
        ):
            del schema["format"]

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        # A serializer's own docstring describes it; an inherited one describes a base class.
        if "description" in schema and not vars(type(force_instance(serializer))).get("__doc__"):
            del schema["description"]
        return schema


def _source_model_fields(field):
    """The model fields a serializer field's ``source`` walks through; None where not a field."""
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    attrs = getattr(field, "source_attrs", None)
    if model is None or not attrs:  # unbound, or source="*"
        return None
    walked = []
    for attr in attrs:
        try:
            model_field = model._meta.get_field(attr)
        except FieldDoesNotExist:
            return None  # a property or method: its own declaration says what it returns
        walked.append(model_field)
        if model_field.many_to_many or model_field.one_to_many:
            break
        if model_field.is_relation:
            model = model_field.related_model
    return walked


def source_may_be_null(field) -> bool:
    """Whether DRF can answer ``null`` for the field: its source crosses a nullable column,
    a nullable relation or a reverse one-to-one (absent: ``null``)."""
    walked = _source_model_fields(field)
    if not walked:
        return False
    for model_field in walked:
        if model_field.many_to_many or model_field.one_to_many:
            return False  # a list, never null
        if model_field.one_to_one and model_field.auto_created:
            return True  # the reverse side of a one-to-one: absent is null
        if model_field.null:
            return True
    return False


def source_may_be_blank(field) -> bool:
    if getattr(field, "allow_blank", False):
        return True
    walked = _source_model_fields(field)
    return bool(walked) and getattr(walked[-1], "blank", False)


class BoundedFilterExtension(DjangoFilterExtension):
    """The bounded number filters typed as parsed: integers within their bounds, amounts
    decimal strings (django-filter's NumberFilter would say ``number``)."""

    priority = 1  # over drf-spectacular's own

    def resolve_filter_field(self, auto_schema, model, filterset_class, field_name, filter_field):
        parameters = super().resolve_filter_field(
            auto_schema, model, filterset_class, field_name, filter_field
        )
        if isinstance(filter_field, BoundedNumberFilter):
            for parameter in parameters:
                parameter["schema"] = _bounded_schema(filter_field)
        return parameters


def _bounded_schema(filter_field) -> dict:
    low, high = filter_field.extra.get("min_value"), filter_field.extra.get("max_value")
    if isinstance(filter_field, AmountFilter):
        places = filter_field.extra.get("decimal_places", 2)
        whole = filter_field.extra.get("max_digits", 16) - places
        return {
            "type": "string",
            "format": "decimal",
            "pattern": rf"^\d{{1,{whole}}}(\.\d{{1,{places}}})?$",
            "description": f"A decimal amount from {low} to {high}.",
        }
    schema = {"type": "integer", "minimum": int(low), "maximum": int(high)}
    if high > 2**31 - 1:
        schema["format"] = "int64"
    return schema


def document_errors(result, generator, request, public):
    """Every operation's error statuses, each answered with ``Error``; JSON bodies only,
    multipart where a file is uploaded."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas[ERROR] = ERROR_SCHEMA
    for name, schema in schemas.items():
        if name.startswith("Paginated") and {"next", "previous"} <= set(schema["properties"]):
            schema["required"] = sorted({*schema.get("required", ()), "next", "previous"})
    _nullable_as_31(result)
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            for response in operation.get("responses", {}).values():
                for media_type, media in response.get("content", {}).items():
                    if media_type != _JSON and media.get("schema", {}).get("format") == "binary":
                        # Bytes, not a JSON string: 3.1 describes them by the media type alone.
                        media.pop("schema")
            body = operation.get("requestBody", {}).get("content", {})
            if _MULTIPART in body:
                # A file travels only as multipart; JSON is accepted for the other fields.
                operation["requestBody"]["content"] = {_MULTIPART: body[_MULTIPART]}
            for status in error_statuses(path, method, operation):
                add_error_response(operation, status)
            # Error statuses a view declares with only a description (the feed's 410).
            for status, response in list(operation.get("responses", {}).items()):
                if int(status) >= 400:
                    add_error_response(operation, int(status), response.get("description"))
    return result


def _nullable_as_31(node) -> None:
    """OpenAPI 3.1 has no ``nullable``: null is a type. drf-spectacular converts what it
    builds itself, not the schemas DRF's paginators hand it (``next``, ``previous``)."""
    if isinstance(node, dict):
        if node.pop("nullable", False) and isinstance(node.get("type"), str):
            node["type"] = [node["type"], "null"]
        for value in node.values():
            _nullable_as_31(value)
    elif isinstance(node, list):
        for value in node:
            _nullable_as_31(value)


def error_statuses(path: str, method: str, operation: dict) -> list[int]:
    statuses = [400, 401, 403]
    if "{" in path:
        statuses.append(404)
    if method in _UNSAFE:
        statuses.append(409)
    if "requestBody" in operation:
        statuses.append(415)
    statuses.append(429)
    return statuses


def add_error_response(operation: dict, status: int, description: str | None = None) -> None:
    """Document ``status`` with the Error schema unless the operation already documents it
    with a schema of its own (another hook's, or an ``extend_schema``)."""
    responses = operation.setdefault("responses", {})
    present = responses.get(str(status))
    if present is not None and not _is_vague(present):
        return
    response = {
        "description": description or ERROR_STATUSES.get(status, ""),
        "content": {_JSON: {"schema": {"$ref": ERROR_REF}}},
    }
    if status == 429:
        response["headers"] = {
            "Retry-After": {
                "schema": {"type": "integer"},
                "description": "Seconds to wait before the next request.",
            }
        }
    responses[str(status)] = response


def _is_vague(response: dict) -> bool:
    """A response without content or with a bare object schema (``OpenApiTypes.OBJECT``)."""
    content = response.get("content")
    if not content:
        return True
    schemas = [media.get("schema", {}) for media in content.values()]
    return all(schema in _VAGUE for schema in schemas)


_VAGUE = ({}, {"type": "object"}, {"type": "object", "additionalProperties": {}})
