"""Versions of records and conditional requests: one rule for the API and the pages.

A record's *version* is its ``updated_at`` to the microsecond (``record_version``).
``updated_at`` is the version because every write of the row moves it, and so
does every change of what the record shows nested or derived (its parent is
"touched"). A model without ``updated_at`` (accounts) is versioned by a hash
of its stored columns.

The API (``ConditionalRequestsMixin``, a base of ``ScopedModelViewSet``):

* a detail response, and the response of ``PUT``/``PATCH`` and of a step
  (``POST …/{id}/<transition>/``), carries a strong ``ETag``: a hash of the
  resource, the id and the version. It does not depend on ``fields=``, the
  caller or the language, so an ETag read with ``?fields=id`` serves an
  ``If-Match`` later. A resource nobody writes through the API (accounts,
  regions, assessments) has no ``If-Match`` to serve: its ETag is the hash of
  the body, honest even for figures derived from other tables, at no query;
* ``If-None-Match`` naming the current ETag → 304, without serializing the
  record (row versions) or sending it (body hashes);
* ``If-Match`` on ``PUT``/``PATCH``/``DELETE`` and on ``POST …/{id}/<action>/``:
  the request runs in one transaction that locks the row *before* reading it,
  compares, and writes; a stale tag → 412 ``precondition_failed`` with the
  current ETag, nothing written. Two writes with one tag: one succeeds.
  ``If-Match: *`` passes for any record that exists (in the caller's scope).
  Without ``If-Match`` the write proceeds, unless ``API_REQUIRE_IF_MATCH``
  (default False) asks for one: 428.

The pages (``ObjectEditView``, ``TransitionView``): the form carries the
version it was rendered from (``VERSION_FIELD``, with the last change record
the user could have seen). On submit the row is locked, and if its version is
not the one posted, nothing is saved: the form re-renders with the user's
input, who changed what since (from the change records, masked as the History
tab masks them) and a reload link. The re-rendered form carries the current
version, so saving again is a decision taken with the changes in view.
"""

import contextlib
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponseNotModified
from django.utils import formats, timezone
from django.utils.http import parse_etags
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, permissions
from rest_framework.response import Response

from aidtrack.core.api_defaults import has_updated_at
from aidtrack.core.history import describe_changes
from aidtrack.core.models import ChangeRecord

# The hidden field of edit and step forms.
VERSION_FIELD = "_version"

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
# Columns whose change is bookkeeping, not a new version (as for the audit trigger).
_UNVERSIONED_COLUMNS = {"last_login", "last_used_at"}


# -- the rule -----------------------------------------------------------------------


def record_version(record) -> str:
    """The version of the stored row ``record`` was read from."""
    updated_at = getattr(record, "updated_at", None)
    if has_updated_at(type(record)) and updated_at:
        return str((updated_at - _EPOCH) // _MICROSECOND)
    columns = [
        f"{f.attname}={getattr(record, f.attname)!r}"
        for f in record._meta.concrete_fields
        if f.attname not in _UNVERSIONED_COLUMNS
    ]
    return "h" + _digest("\x1f".join(columns))


def is_current(record, version: str) -> bool:
    """Whether ``version`` (as given by ``record_version``) is the record's present one.

    The one comparison the pages make; the API compares ETags made from it.
    """
    return version == record_version(record)


def record_etag(record) -> str:
    """The strong ETag of a record's version."""
    resource = record._meta.label_lower
    return f'"{_digest(f"{resource}:{record.pk}:{record_version(record)}")}"'


def body_etag(content: bytes) -> str:
    return f'"{hashlib.sha256(content).hexdigest()[:32]}"'


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def if_match_passes(header: str, current: str) -> bool:
    """``If-Match``: ``*`` or the current tag (strong comparison: a weak tag never matches)."""
    tags = parse_etags(header)
    return "*" in tags or current in tags


def if_none_match_hits(header: str, current: str) -> bool:
    """``If-None-Match``: ``*`` or the current tag (weak comparison)."""
    tags = {tag.removeprefix("W/") for tag in parse_etags(header)}
    return "*" in tags or current.removeprefix("W/") in tags


def lock_row(model, pk) -> None:
    """Lock the row (if any) until the transaction ends, before anyone reads it.

    Locked by primary key before the scoped read, so the record read is the
    current one; whether the caller may see it is decided by that read (404),
    so the lock reveals nothing.
    """
    with contextlib.suppress(TypeError, ValueError, ValidationError):  # not an id: 404 later
        list(model._base_manager.select_for_update().filter(pk=pk).values_list("pk"))


# -- the API ------------------------------------------------------------------------


class PreconditionFailed(exceptions.APIException):
    status_code = 412
    default_code = "precondition_failed"
    default_detail = _(
        "The record has changed since the version named in If-Match. "
        "Read it again and repeat the change on the current version."
    )

    def __init__(self, current_etag: str):
        super().__init__()
        self.current_etag = current_etag


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_code = "precondition_required"
    default_detail = _("Send If-Match with the ETag of the record you are changing.")


def _writes_through_api(view) -> bool:
    return any(method in view.http_method_names for method in ("post", "put", "patch", "delete"))


class ConditionalRequestsMixin:
    """ETags on detail responses, 304 on ``If-None-Match``, 412 on a stale ``If-Match``."""

    _precondition_checked = False
    _represented = None  # the serializer of the response body, if it is one record

    def _is_detail(self, kwargs) -> bool:
        return (self.lookup_url_kwarg or self.lookup_field) in kwargs

    def dispatch(self, request, *args, **kwargs):
        # Lock, compare and write in one transaction; an error answer writes nothing.
        if (
            request.method in permissions.SAFE_METHODS
            or "If-Match" not in request.headers
            or not self._is_detail(kwargs)
        ):
            return super().dispatch(request, *args, **kwargs)
        with transaction.atomic():
            response = super().dispatch(request, *args, **kwargs)
            if response.status_code >= 400:
                transaction.set_rollback(True)
        return response

    def get_object(self):
        request = self.request
        if request.method in permissions.SAFE_METHODS or self._precondition_checked:
            return super().get_object()
        self._precondition_checked = True  # a step reads the record again once it has run
        header = request.headers.get("If-Match")
        if header is not None:
            lock_row(self.queryset.model, self.kwargs[self.lookup_url_kwarg or self.lookup_field])
        record = super().get_object()  # 404 outside the scope before anything is compared
        if header is not None:
            current = record_etag(record)
            if not if_match_passes(header, current):
                raise PreconditionFailed(current)
        elif settings.API_REQUIRE_IF_MATCH:
            raise PreconditionRequired
        return record

    def retrieve(self, request, *args, **kwargs):
        header = request.headers.get("If-None-Match")
        if header is None or not _writes_through_api(self):
            return super().retrieve(request, *args, **kwargs)
        record = self.get_object()
        if if_none_match_hits(header, record_etag(record)):
            # Not serialized at all: the version says it is the same.
            response = Response(status=304)
            response["ETag"] = record_etag(record)
            return response
        return Response(self.get_serializer(record).data)

    def get_serializer(self, *args, **kwargs):
        serializer = super().get_serializer(*args, **kwargs)
        self._represented = serializer
        return serializer

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        if isinstance(exc, PreconditionFailed) and isinstance(response.data, dict):
            response.data["current_etag"] = exc.current_etag
            response["ETag"] = exc.current_etag
        return response

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.status_code == 304 or not 200 <= response.status_code < 300:
            return response
        record = getattr(self._represented, "instance", None)
        model = getattr(getattr(self, "queryset", None), "model", None)
        if not self._is_detail(self.kwargs) or model is None or not isinstance(record, model):
            return response  # a list, a file, a revealed value: not the record
        if _writes_through_api(self):
            etag = record_etag(record)
        else:
            etag = body_etag(response.render().content)
        response["ETag"] = etag
        header = request.headers.get("If-None-Match")
        if request.method in ("GET", "HEAD") and header and if_none_match_hits(header, etag):
            not_modified = HttpResponseNotModified()
            for name in ("ETag", "Vary", "Cache-Control"):
                if name in response:
                    not_modified[name] = response[name]
            return not_modified
        return response


# -- the pages ----------------------------------------------------------------------


def page_version(record) -> str:
    """What an edit or step form carries: the version, and the last change it could show."""
    last = (
        ChangeRecord.objects.for_object(record).order_by("-id").values_list("id", flat=True).first()
    )
    return f"{record_version(record)}:{last or 0}"


@contextlib.contextmanager
def locked(model, pk):
    """A transaction in which the row ``pk`` (if any) is locked before it is read."""
    with transaction.atomic():
        if pk is not None:
            lock_row(model, pk)
        yield


@dataclass
class EditConflict:
    """The record changed after the form was rendered: who, when, and what."""

    message: str
    changes: list = field(default_factory=list)  # change records with ``field_changes``
    current_version: str = ""


def edit_conflict(record, posted: str | None) -> EditConflict | None:
    """None when the posted version is current (or absent: a form without one is not checked)."""
    if not posted:
        return None
    version, _sep, seen = posted.partition(":")
    if is_current(record, version):
        return None
    changes = list(
        ChangeRecord.objects.for_object(record)
        .filter(id__gt=int(seen) if seen.isdigit() else 0)
        .select_related("actor")
        .order_by("id")
    )
    describe_changes(type(record), changes)
    actors = [str(c.actor) if c.actor else gettext("system") for c in changes]
    if not actors and getattr(record, "updated_by", None) is not None:
        actors = [str(record.updated_by)]
    when = changes[-1].time if changes else getattr(record, "updated_at", None)
    message = gettext(
        "%(who)s changed this record at %(when)s, after you opened this form. "
        "Your changes have not been saved."
    ) % {
        "who": ", ".join(dict.fromkeys(actors)) or gettext("Someone"),
        "when": formats.date_format(timezone.localtime(when), "Y-m-d H:i:s") if when else "—",
    }
    return EditConflict(message=message, changes=changes, current_version=page_version(record))


def form_context(request, record, conflict: EditConflict | None) -> dict:
    """The template context of an edit or step form: its version, and the conflict if any.

    A form re-rendered with errors keeps the version the user first saw; after
    a conflict it carries the current one.
    """
    if conflict:
        version = conflict.current_version
    elif request.method == "POST":
        version = request.POST.get(VERSION_FIELD, "")
    else:
        version = page_version(record) if record.pk else ""
    return {"version": version, "conflict": conflict or None, "reload_url": request.get_full_path()}


# -- the OpenAPI document -----------------------------------------------------------

_ETAG_HEADER = {
    "ETag": {
        "description": "The version of the record in the body (strong). "
        "Send it in If-Match to change the record, or in If-None-Match to re-read it.",
        "schema": {"type": "string"},
    }
}


def _header_parameter(name: str, description: str) -> dict:
    return {
        "name": name,
        "in": "header",
        "required": False,
        "description": description,
        "schema": {"type": "string"},
    }


_IF_MATCH = _header_parameter(
    "If-Match",
    "The ETag the change is based on (or `*`). A stale one is refused with 412 and "
    "nothing is written.",
)
_IF_NONE_MATCH = _header_parameter(
    "If-None-Match", "The ETag of the copy you hold: 304 without a body when it is current."
)


def document_conditional_requests(result, generator, request, public):
    """drf-spectacular postprocessing hook: ETag, If-Match, If-None-Match, 304 and 412."""
    from aidtrack.core.schema import add_error_response  # the schema module imports the API

    paths = result.get("paths", {})
    for path, _regex, method, callback in generator.endpoints:
        viewset = getattr(callback, "cls", None)
        if not issubclass(viewset or object, ConditionalRequestsMixin):
            continue
        path = generator.coerce_path(path, method, viewset)  # {pk} as the document names it
        operation = paths.get(path, {}).get(method.lower())
        if operation is None or "{" not in path:
            continue  # lists carry no ETag; updated_at is each row's version
        action = callback.actions.get(method.lower(), "")
        responses = operation.setdefault("responses", {})
        parameters = operation.setdefault("parameters", [])
        represents_record = action in ("retrieve", "update", "partial_update") or (
            action.startswith("transition_")
        )
        if represents_record:
            for status in ("200", "201"):
                if status in responses:
                    responses[status].setdefault("headers", {}).update(_ETAG_HEADER)
        if action == "retrieve":
            parameters.append(_IF_NONE_MATCH)
            responses["304"] = {
                "description": "Not modified: the ETag in If-None-Match is current.",
                "headers": _ETAG_HEADER,
            }
        elif method.upper() not in permissions.SAFE_METHODS:
            parameters.append({**_IF_MATCH, "required": bool(settings.API_REQUIRE_IF_MATCH)})
            add_error_response(
                operation, 412, "Precondition failed: the record changed since that ETag."
            )
    return result
