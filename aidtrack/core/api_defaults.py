"""The API defaults that settings.REST_FRAMEWORK names.

Kept apart from api.py (the viewset and serializer bases) because DRF imports
these while defining its own generic views; api.py imports those views.
"""

from datetime import UTC, timedelta
from urllib import parse

import orjson
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.utils.dateparse import parse_datetime
from django.utils.timezone import is_naive, make_aware
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions, permissions
from rest_framework.filters import BaseFilterBackend
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.renderers import JSONRenderer
from rest_framework.settings import api_settings
from rest_framework.utils.encoders import JSONEncoder
from rest_framework.utils.urls import replace_query_param

from aidtrack.core import natural_keys, scoping
from aidtrack.core.signed import sign_token, unsign_token
from aidtrack.core.throttling import RateLimited, refuse_failed_authentication
from aidtrack.core.transitions import TransitionNotAllowed

_ACTION_BY_METHOD = {
    "GET": scoping.VIEW,
    "HEAD": scoping.VIEW,
    "OPTIONS": scoping.VIEW,
    "POST": scoping.ADD,
    "PUT": scoping.CHANGE,
    "PATCH": scoping.CHANGE,
    "DELETE": scoping.DELETE,
}


def request_action(request, view=None) -> str:
    """The scoping action a request performs; a viewset's extra actions may say otherwise."""
    declared = getattr(view, "action_scopes", {}).get(getattr(view, "action", None))
    if declared:
        return declared
    return _ACTION_BY_METHOD.get(request.method, scoping.CHANGE)


class ScopedModelPermission(permissions.BasePermission):
    """Signed in; the role may perform the action; a token may write only if granted;
    a write needs a pairing scope to write in."""

    message = _("You do not have permission to perform this action.")

    def has_permission(self, request, view):
        user = request.user
        if not user or not user.is_authenticated:
            return False
        action = request_action(request, view)
        token = request.auth
        if action != scoping.VIEW and token is not None and not getattr(token, "can_write", False):
            self.message = _("This API token is read-only.")
            return False
        model = getattr(getattr(view, "queryset", None), "model", None)
        if model is None:
            return True
        if not user.may(action, model):
            return False
        if scoping.writes_nowhere(user, model, action):
            self.message = _("Your account has no pairing scope to write in.")
            return False
        return True


class FastJSONRenderer(JSONRenderer):
    """DRF's JSON (compact, UTF-8, U+2028/U+2029 escaped), written by orjson.

    The same bytes as ``JSONRenderer``: what orjson does not write itself
    (dates, times, lazy translations, decimals) goes through DRF's encoder,
    and anything orjson refuses (a non-string key, an integer beyond 64
    bits) is rendered by DRF instead. The API has no float fields (amounts
    are decimal strings), the one place orjson's number format differs.
    On a page of 500 rows json.dumps was the largest single cost after the
    serializers.
    """

    _options = orjson.OPT_PASSTHROUGH_DATETIME  # DRF's format (ms, "Z"), not orjson's
    _default = staticmethod(JSONEncoder().default)

    def render(self, data, accepted_media_type=None, renderer_context=None):
        indent = self.get_indent(accepted_media_type, renderer_context or {})
        if data is None or indent is not None or self.ensure_ascii or not self.compact:
            return super().render(data, accepted_media_type, renderer_context)
        try:
            body = orjson.dumps(data, default=self._default, option=self._options)
        except (orjson.JSONEncodeError, TypeError):
            return super().render(data, accepted_media_type, renderer_context)
        return body.replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029")


class FilterSetBackend(DjangoFilterBackend):
    """django-filter's backend, left out when the request names none of the FilterSet's filters.

    A FilterSet given no value keeps every row, yet building it (a copy of each
    filter, a form class and its fields) takes 0.2–0.7 ms: a fifth of a small
    list's page. A filter's query parameter is its name: no filter here reads
    several keys, as a range widget would (tests/core/test_api_parameters.py
    checks that; ``ScopedFilterSet.narrowed`` relies on the same).
    """

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None and request.query_params.keys().isdisjoint(
            filterset_class.base_filters
        ):
            return queryset
        return super().filter_queryset(request, queryset, view)


class UpdatedSinceFilter(BaseFilterBackend):
    """``?updated_since=2024-01-01T00:00:00+08:00``: rows changed since, for incremental sync."""

    param = "updated_since"
    # PostgreSQL refuses a time zone offset beyond ±15:59 (Python allows ±23:59).
    largest_offset = timedelta(hours=15, minutes=59)

    # Up to this many changed rows are found first and the page read by their ids.
    few_changes = 2_000

    def filter_queryset(self, request, queryset, view):
        raw = request.query_params.get(self.param)
        if not raw or not has_updated_at(queryset.model):
            return queryset
        changed = queryset.filter(updated_at__gte=self.parse(raw))
        if getattr(queryset.model, "changes_spread_over_ids", False):
            return self.by_ids_if_few(changed)
        return changed

    def by_ids_if_few(self, changed):
        """``changed`` limited to its own ids when it has at most ``few_changes`` rows.

        Pages go by id (the paging contract: stable while rows change), and
        the planner walks the primary key to fill one, expecting changed rows
        to be spread evenly and plentiful. Few rows changed since a recent
        sync point, spread over all the ids (an old record edited today): the
        walk read 2.7M fund transactions to find 500 of 552. One query first
        reads the ids of the changed rows (the scoped, filtered list, no
        order, at most ``few_changes`` + 1 of them); if that is all of them,
        the page also takes ``id = ANY(those ids)``, an index scan in id
        order, else (an old time, many changes, plentiful on any walk) it is
        read as before. Same rows, same order: the scope and the filters stay
        on the page's query.

        Only for a model that says ``changes_spread_over_ids``: where recent
        changes are mostly new rows, at the end of the ids, the walk is short
        and the extra query cost more than it saved (10-40 ms at national
        scale on most lists).
        """
        ids = list(changed.order_by().values_list("pk", flat=True)[: self.few_changes + 1])
        if len(ids) > self.few_changes:
            return changed
        return changed.filter(pk__any_id=ids)

    def parse(self, raw: str):
        try:
            value = parse_datetime(raw.replace(" ", "+"))  # "+" arrives as a space if unencoded
            if value is not None and is_naive(value):
                value = make_aware(value)
            if value is not None:
                # Impossible in UTC (year 1 at +15:00) raises here, not in the database.
                value.astimezone(UTC)
        except (ValueError, OverflowError):  # well-formed but impossible, e.g. month 13
            value = None
        if value is None or abs(value.utcoffset()) > self.largest_offset:
            raise exceptions.ValidationError(
                {
                    self.param: [
                        _("Enter a date and time in ISO 8601, e.g. 2024-01-01T00:00:00+08:00.")
                    ]
                }
            )
        return value

    def get_schema_operation_parameters(self, view):
        model = getattr(getattr(view, "queryset", None), "model", None)
        if model is None or not has_updated_at(model):
            return []
        return [
            {
                "name": self.param,
                "required": False,
                "in": "query",
                "description": "Only records changed at or after this ISO 8601 time.",
                "schema": {"type": "string", "format": "date-time"},
            }
        ]


def has_updated_at(model) -> bool:
    return any(field.name == "updated_at" for field in model._meta.concrete_fields)


class CappedCursorPagination(CursorPagination):
    """Cursor paging: stable while rows change, which incremental sync needs.

    Cursors are signed: one we did not hand out (edited, forged, from another
    server) is a 400 naming ``cursor``, never a position the query cannot
    take. A ``page_size`` that is not a positive whole number is a 400 naming
    it; one above ``max_page_size`` is capped, as docs/api.md promises.
    """

    ordering = "id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    invalid_cursor_message = _("This cursor is not valid: follow the next and previous links.")

    signing_salt = "aidtrack.api.cursor"

    def paginate_queryset(self, queryset, request, view=None):
        # A page after a position stops at the scope's edge instead of walking the
        # table beyond it (scoping.scope_id_bound); the first page is left alone.
        cursor = self.decode_cursor(request)
        ordering = self.get_ordering(request, queryset, view)
        if cursor is not None and cursor.position is not None and tuple(ordering) == ("id",):
            queryset = scoping.scope_id_bound(
                queryset, request.user, request_action(request, view), upper=not cursor.reverse
            )
        return super().paginate_queryset(queryset, request, view)

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if size < 1:
            raise exceptions.ValidationError(
                {
                    self.page_size_query_param: [
                        _("Enter a whole number of rows from 1 to %(largest)d.")
                        % {"largest": self.max_page_size}
                    ]
                }
            )
        return min(size, self.max_page_size)

    def encode_cursor(self, cursor):
        tokens = {}
        if cursor.offset:
            tokens["o"] = str(cursor.offset)
        if cursor.reverse:
            tokens["r"] = "1"
        if cursor.position is not None:
            tokens["p"] = cursor.position
        encoded = sign_token(parse.urlencode(tokens), salt=self.signing_salt)
        return replace_query_param(self.base_url, self.cursor_query_param, encoded)

    def decode_cursor(self, request):
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is None:
            return None
        try:
            payload = unsign_token(encoded, salt=self.signing_salt)
            tokens = parse.parse_qs(payload, keep_blank_values=True)
            offset = int(tokens.get("o", ["0"])[0])
            reverse = tokens.get("r", ["0"])[0] == "1"
            position = tokens.get("p", [None])[0]
        except ValueError:  # BadToken, or a position that is not a number
            raise exceptions.ValidationError(
                {self.cursor_query_param: [self.invalid_cursor_message]}
            ) from None
        return Cursor(offset=offset, reverse=reverse, position=position)


class Conflict(exceptions.APIException):
    """The record's state does not allow the step (409), with the reason."""

    status_code = 409
    default_code = "conflict"
    default_detail = _("Not possible in the record's present state.")


def json_exception_handler(exc, context):
    """Every error as ``{"code", "message", "errors"?}``; validation errors list fields.

    A failed authentication counts against the caller's address
    (core.throttling) and becomes a 429 once the address is over its rate.
    """
    from rest_framework.views import exception_handler  # DRF's views import this module

    message = None
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        wait = refuse_failed_authentication(context["request"], context.get("view"))
        if wait is not None:
            exc = exceptions.Throttled(wait=wait)
    elif isinstance(exc, RateLimited):
        message = exc.message
        exc = exceptions.Throttled(wait=exc.wait)
    if (duplicate := natural_keys.duplicate_in(exc)) is not None:
        return natural_keys.duplicate_response(duplicate, context["request"])
    if isinstance(exc, IntegrityError):  # a concurrent duplicate the database refused
        model = getattr(getattr(context.get("view"), "queryset", None), "model", None)
        return natural_keys.integrity_error_response(exc, model)
    if isinstance(exc, TransitionNotAllowed):
        exc = Conflict(" ".join(exc.messages))
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(django_error_dict(exc))
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        body = {
            "code": "invalid",
            "message": str(_("The submitted data is not valid.")),
            "errors": _as_field_errors(response.data),
        }
    elif isinstance(exc, exceptions.Throttled):
        # DRF's own text is half translated; ours names the wait in the caller's language.
        message = message or _("Too many requests. Try again in %(seconds)s seconds.") % {
            "seconds": exc.wait
        }
        body = {"code": "throttled", "message": str(message)}
    else:
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else ""
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        body = {"code": code, "message": str(detail or exc)}
    response.data = body
    return response


def _as_field_errors(data):
    if isinstance(data, list):
        return {api_settings.NON_FIELD_ERRORS_KEY: data}
    return data


def django_error_dict(exc: DjangoValidationError):
    if hasattr(exc, "error_dict"):
        return {
            (api_settings.NON_FIELD_ERRORS_KEY if field == "__all__" else field): messages
            for field, messages in exc.message_dict.items()
        }
    return {api_settings.NON_FIELD_ERRORS_KEY: exc.messages}
