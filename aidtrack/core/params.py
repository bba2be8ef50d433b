"""Query parameters of the API: strict, ``fields=`` and ``id=``.

One source of truth: the OpenAPI document. The query parameters an
operation accepts are exactly those its operation in the schema lists
(``documented_query_parameters`` asks drf-spectacular for that one
operation, once per view class, action and method), and everything that
documents a parameter also implements it:

- the FilterSet's filters, ``updated_since`` and ``id`` (filter backends,
  on lists), ``cursor`` and ``page_size`` (the paginator, on lists),
  ``format`` (only when several renderers are on);
- ``fields`` on every GET whose answer is the view's own serializer (list
  and detail), added by ``ParameterSchema`` and applied by
  ``select_fields``;
- a view's ``extra_query_params`` (names or ``OpenApiParameter``s, on its
  GET operations) and its ``@extend_schema(parameters=…)``.

Any other parameter is a 400 naming it (``StrictParametersMixin``), so a
misspelt filter or ``updated_sincee`` can no longer turn into an unfiltered
dump. An operation the schema does not show (OPTIONS, an excluded view)
is not checked.
"""

from functools import cache

from django.conf import settings
from django.http import Http404
from django.urls import get_urlconf
from django.utils.translation import gettext_lazy as _
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import EndpointEnumerator, SchemaGenerator
from drf_spectacular.plumbing import get_class
from drf_spectacular.settings import spectacular_settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, permissions, serializers
from rest_framework.filters import BaseFilterBackend
from rest_framework.settings import api_settings

from aidtrack.core.filters import LAST_ID
from aidtrack.core.schema import AutoSchema

FIELDS = "fields"
ID = "id"
# As many ids as one page holds at most (CappedCursorPagination.max_page_size).
MAX_IDS = 500


# -- the schema: what each operation documents ------------------------------------------------


class ParameterSchema(AutoSchema):
    """The contract's AutoSchema (core.schema), plus ``fields`` and ``extra_query_params``."""

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        if self.method != "GET":
            return parameters
        names = self._selectable_fields()
        if names:
            parameters.append(
                OpenApiParameter(
                    FIELDS,
                    {"type": "array", "items": {"type": "string", "enum": names}},
                    OpenApiParameter.QUERY,
                    description=(
                        "Only these top-level fields in each record, comma-separated "
                        "(`fields=id,name,updated_at`). An unknown name is a 400."
                    ),
                    style="form",
                    explode=False,
                )
            )
        for extra in getattr(self.view, "extra_query_params", ()):
            if isinstance(extra, str):
                extra = OpenApiParameter(extra, OpenApiTypes.STR, OpenApiParameter.QUERY)
            parameters.append(extra)
        return parameters

    def _selectable_fields(self) -> list[str]:
        """The fields ``fields=`` may name when the answer is the view's own serializer."""
        get_serializer_class = getattr(self.view, "get_serializer_class", None)
        if get_serializer_class is None or not hasattr(self.view, "get_serializer"):
            return []
        answer = self.get_response_serializers()
        if isinstance(answer, dict) and answer:  # @extend_schema(responses=…): the first status
            answer = {str(code): value for code, value in answer.items()}
            answer = answer[min(answer)]
        if isinstance(answer, serializers.ListSerializer):
            answer = answer.child
        if not isinstance(answer, serializers.BaseSerializer | type):
            return []
        try:
            own = get_serializer_class()
        except AssertionError:  # a view without a serializer
            return []
        if get_class(answer) is not own:
            return []
        return readable_fields(self.view.get_serializer())


@cache
def _endpoints(urlconf):
    return EndpointEnumerator(urlconf=urlconf).get_api_endpoints()


_DOCUMENTED: dict[tuple, frozenset[str] | None] = {}


def documented_query_parameters(view_class, action, method) -> frozenset[str] | None:
    """The names of the query parameters the OpenAPI document gives this operation.

    None when the document has no such operation. Built from drf-spectacular's
    own operation on first use and kept per (view class, action, method).
    """
    method = "GET" if method == "HEAD" else method
    key = (view_class, action, method, get_urlconf() or settings.ROOT_URLCONF)
    if key not in _DOCUMENTED:
        _DOCUMENTED[key] = _operation_query_parameters(*key)
    return _DOCUMENTED[key]


def _operation_query_parameters(view_class, action, method, urlconf):
    generator = SchemaGenerator(urlconf=urlconf)
    prefix = spectacular_settings.SCHEMA_PATH_PREFIX or ""
    prefix = prefix if prefix.startswith("^") else "^" + prefix
    for path, path_regex, endpoint_method, callback in _endpoints(urlconf):
        if getattr(callback, "cls", None) is not view_class or endpoint_method != method:
            continue
        actions = getattr(callback, "actions", None)
        if (actions or {}).get(method.lower()) != action:
            continue
        view = generator.create_view(callback, method)
        path = generator.coerce_path(path, method, view)
        view.request = spectacular_settings.GET_MOCK_REQUEST(method, path, view, None)
        with GENERATOR_STATS.silence():
            operation = view.schema.get_operation(
                path, path_regex, prefix, method, generator.registry
            )
        if not operation:
            return None
        return frozenset(p["name"] for p in operation.get("parameters", ()) if p["in"] == "query")
    return None


# -- strict: nothing but the documented parameters ---------------------------------------------


def check_query_parameters(view, request):
    """A 400 naming each query parameter the operation does not document."""
    known = documented_query_parameters(type(view), getattr(view, "action", None), request.method)
    if known is None:
        return
    unknown = [name for name in request.query_params if name not in known]
    if not unknown:
        return
    if known:
        message = _("Unknown parameter. Known: %(known)s.") % {"known": ", ".join(sorted(known))}
    else:
        message = _("Unknown parameter: this request takes no query parameters.")
    raise exceptions.ValidationError({name: [message] for name in unknown})


class StrictParametersMixin:
    """Refuses undocumented query parameters, once the caller is authenticated and permitted."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method != "OPTIONS":
            check_query_parameters(self, request)

    def perform_content_negotiation(self, request, force=False):
        """An undocumented ``?format=`` is an unknown parameter (400 after authentication),
        not DRF's 404 for a format without a renderer."""
        try:
            return super().perform_content_negotiation(request, force)
        except Http404:  # DRF's negotiation raises Django's
            override = api_settings.URL_FORMAT_OVERRIDE
            known = documented_query_parameters(
                type(self), getattr(self, "action", None), request.method
            )
            if (
                override
                and override in request.query_params
                and known is not None
                and override not in known
            ):
                return super().perform_content_negotiation(request, force=True)
            raise


# -- fields= -------------------------------------------------------------------------------------


def readable_fields(serializer) -> list[str]:
    return [field.field_name for field in serializer._readable_fields]


def requested_fields(request) -> tuple[str, ...] | None:
    """The names ``?fields=`` gives on a read (comma-separated), or None without it."""
    query = getattr(request, "query_params", None)
    if query is None or FIELDS not in query or request.method not in permissions.SAFE_METHODS:
        return None
    names = ",".join(query.getlist(FIELDS)).split(",")
    names = tuple(dict.fromkeys(name.strip() for name in names if name.strip()))
    if not names:
        raise exceptions.ValidationError(
            {FIELDS: [_("Name one or more fields, separated by commas.")]}
        )
    return names


def select_fields(serializer, names):
    """The serializer (or a list serializer's child) with only the named top-level fields.

    Fields are dropped from the serializer's own field set, so both the row
    function and the column plan (core.api_rows) read only what is kept:
    where the plan applies, the SQL selects only their columns.
    """
    if names is None:
        return serializer
    target = serializer.child if isinstance(serializer, serializers.ListSerializer) else serializer
    known = readable_fields(target)
    unknown = [name for name in names if name not in known]
    if unknown:
        message = _("Unknown field: %(name)s. Known: %(known)s.")
        raise exceptions.ValidationError(
            {FIELDS: [message % {"name": name, "known": ", ".join(known)} for name in unknown]}
        )
    for name in list(target.fields):
        if name not in names:
            del target.fields[name]
    return serializer


# -- id= -------------------------------------------------------------------------------------


class IdListFilter(BaseFilterBackend):
    """``?id=3,5,8``: these records (those in the caller's scope), for fetching what the
    change feed names. At most ``MAX_IDS`` whole numbers from 1."""

    def filter_queryset(self, request, queryset, view):
        raw = request.query_params.getlist(ID)
        if not raw:
            return queryset
        return queryset.filter(pk__in=parse_ids(raw))

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": ID,
                "required": False,
                "in": "query",
                "description": (
                    f"Only the records with these ids, comma-separated (`id=3,5,8`), at most "
                    f"{MAX_IDS}. Ids outside your scope or deleted are silently absent."
                ),
                "schema": {
                    "type": "array",
                    "items": {"type": "integer", "format": "int64", "minimum": 1},
                    "maxItems": MAX_IDS,
                },
                "style": "form",
                "explode": False,
            }
        ]


def parse_ids(values) -> list[int]:
    texts = [text.strip() for value in values for text in value.split(",")]
    # ASCII digits only: int() would also take "+3", "1_000" and other scripts' digits.
    valid = all(text.isascii() and text.isdigit() for text in texts)
    ids = [int(text) for text in texts] if valid else []
    if not valid or len(ids) > MAX_IDS or not all(1 <= pk <= LAST_ID for pk in ids):
        message = _("Enter at most %(largest)d record ids, whole numbers from 1, comma-separated.")
        raise exceptions.ValidationError({ID: [message % {"largest": MAX_IDS}]})
    return ids
