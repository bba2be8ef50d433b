"""``Idempotency-Key`` on every API POST: a retried write replays its first answer.

A partner that POSTs with ``Idempotency-Key: <key>`` and retries after a
timeout gets the first response again (status, body, ``Location`` and
``Content-Type``; header ``Idempotent-Replayed: true``) instead of a second
record. Keys belong to the user (a token's user) and live in PostgreSQL
(``core.models.IdempotencyKey``) for ``IDEMPOTENCY_KEY_TTL`` hours.

How a keyed POST runs (``IdempotentPostMixin``, on ``ScopedModelViewSet``):

1. After DRF authenticated and permitted the request (``initial``), one
   transaction opens that lasts until the response is stored (``dispatch``
   closes it): authentication stays outside, so the token's last-use update
   never holds its row locked for a whole request.
2. The key is checked (1–255 printable ASCII characters, else 400) and a
   transaction-scoped advisory lock on (user, key) is *tried*: another
   request holding it is still running, so this one answers 409
   ``idempotency_key_in_progress`` at once instead of waiting. Under the
   lock the stored row, if any and younger than the TTL, decides: the same
   request (method, path and canonical body hash) replays it; another
   request answers 422 ``idempotency_key_reused``.
3. Otherwise the view runs, and its response (2xx, or a 400 validation
   error) is stored in the *same* transaction as its write, then both commit
   together and the lock is released. A crash before the commit loses the
   write and the key together, so the retry runs once; after it, the retry
   finds the key. A 5xx rolls the transaction back and is not stored: the
   retry runs again. Other 4xx (403, 404, 409…) are not stored either; the
   retry is judged afresh.

The lock is an advisory lock rather than a row inserted first: a row
inserted by a running transaction makes a second insert *wait* for it (no
409), and a row committed before the write would survive a crash between
the two. Each POST with a key costs one lock, one indexed read and one
insert.

The request body is compared in a canonical form: JSON with sorted keys for
a JSON body; for a form or multipart body the fields with each file's name,
size and SHA-256 — not the raw bytes, whose multipart boundary a client
draws anew on every retry.

POSTs that only read (``action_scopes`` says ``view`` and the action is no
status step: revealing a person's ID number) ignore the header: nothing is
written twice, and storing the answer would copy the revealed number out of
its masked column.
"""

import hashlib
import json
from contextlib import ExitStack
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions

from aidtrack.core import scoping

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_LENGTH = 255
# Headers of the first response that a replay repeats; others come from the replaying request.
KEPT_HEADERS = ("Content-Type", "Location", "ETag", "Last-Modified", "Content-Language")
# The first key of the two-integer advisory locks taken here ("IDK"); the
# one-bigint locks of other modules are a separate space.
_LOCK_NAMESPACE = 0x49444B


class KeyInProgress(exceptions.APIException):
    status_code = 409
    default_code = "idempotency_key_in_progress"
    default_detail = _(
        "A request with this Idempotency-Key is still being processed. "
        "Retry when it has finished to receive its response."
    )


class KeyReused(exceptions.APIException):
    status_code = 422
    default_code = "idempotency_key_reused"
    default_detail = _(
        "This Idempotency-Key was already used for a different request (another path or "
        "body). Send a new key with a new request."
    )


INVALID_KEY_MESSAGE = _("The Idempotency-Key header must be 1 to 255 printable ASCII characters.")


class _Replay(Exception):
    """Raised from ``initial``: answer with the stored response, run nothing."""

    def __init__(self, record):
        super().__init__(record.key)
        self.record = record


class _Pending:
    __slots__ = ("key", "method", "path", "request_hash", "created_at")

    def __init__(self, key, method, path, request_hash):
        self.key = key
        self.method = method
        self.path = path
        self.request_hash = request_hash
        self.created_at = timezone.now()


def ttl() -> timedelta:
    return timedelta(hours=settings.IDEMPOTENCY_KEY_TTL)


def applies(request) -> bool:
    """A POST carrying the header (an empty value too: it is refused as invalid)."""
    return request.method == "POST" and HEADER in request.headers


class IdempotentPostMixin:
    """Honours ``Idempotency-Key`` on the viewset's POSTs (see the module docstring)."""

    _idempotency: _Pending | None = None
    _transaction: ExitStack | None = None

    def dispatch(self, request, *args, **kwargs):
        if not applies(request):
            return super().dispatch(request, *args, **kwargs)
        with ExitStack() as self._transaction:
            response = super().dispatch(request, *args, **kwargs)
            _finish(self, response)
        return response

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if applies(request):
            # Opened only now: authentication (which records a token's last use,
            # a row every request of the token updates) stays out of it.
            self._transaction.enter_context(transaction.atomic())
            self._transaction.opened = True
            self._idempotency = _begin(self, request)

    def handle_exception(self, exc):
        if isinstance(exc, _Replay):
            return replay_response(exc.record)
        response = super().handle_exception(exc)
        if isinstance(exc, KeyInProgress):
            response["Retry-After"] = "1"
        return response


def validate_key(raw: str) -> str:
    if not 1 <= len(raw) <= MAX_LENGTH or not all(" " <= char <= "~" for char in raw):
        raise exceptions.ValidationError({HEADER: [INVALID_KEY_MESSAGE]})
    return raw


def _begin(view, request) -> _Pending | None:
    """Check the key; replay, refuse, or note it for the response. None: the header is ignored."""
    from aidtrack.core.api_defaults import request_action
    from aidtrack.core.models import IdempotencyKey

    if reads_only(view, request_action(request, view)):
        return None  # a POST that reads (see the module docstring)
    key = validate_key(request.headers[HEADER])
    path = request.get_full_path()
    request_hash = request_digest(request.method, path, request.data)
    user = request.user
    if not _try_lock(user.pk, key):
        raise KeyInProgress()
    record = IdempotencyKey.objects.filter(user=user, key=key).first()
    if record is not None and record.created_at < timezone.now() - ttl():
        record.delete()  # expired: the key is free again (beat prunes the rest)
        record = None
    if record is not None:
        if record.request_hash != request_hash:
            raise KeyReused()
        raise _Replay(record)
    return _Pending(key, request.method, path, request_hash)


def reads_only(view, action: str) -> bool:
    """A POST scoped like a read that is no status step (steps write, whatever their scope)."""
    name = getattr(view, "action", None) or ""
    return action == scoping.VIEW and not name.startswith("transition_")


def _try_lock(user_id: int, key: str) -> bool:
    digest = hashlib.sha256(f"{user_id}\0{key}".encode()).digest()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_try_advisory_xact_lock(%s, %s)",
            [_LOCK_NAMESPACE, int.from_bytes(digest[:4], "big", signed=True)],
        )
        return cursor.fetchone()[0]


def _storable(status: int) -> bool:
    """Successes and validation errors: the answer a retry of the same body deserves."""
    return 200 <= status < 300 or status == 400


def _finish(view, response) -> None:
    """Inside the request's transaction: store the response, or roll back a 5xx."""
    pending = view._idempotency
    view._idempotency = None
    if not getattr(view._transaction, "opened", False):
        return  # refused before the transaction (authentication, permission, throttle)
    if response.status_code >= 500:
        transaction.set_rollback(True)  # nothing of a failed request stays; the retry runs again
        return
    if pending is None or not _storable(response.status_code):
        return
    from aidtrack.core.models import IdempotencyKey

    if callable(getattr(response, "render", None)):
        response.render()  # the bytes to replay (Django would render it just after)
    IdempotencyKey.objects.create(
        user=view.request.user,
        key=pending.key,
        method=pending.method,
        path=pending.path,
        request_hash=pending.request_hash,
        status=response.status_code,
        response_body=bytes(response.content),
        response_headers={name: response[name] for name in KEPT_HEADERS if name in response},
        created_at=pending.created_at,
        completed_at=timezone.now(),
    )


def replay_response(record) -> HttpResponse:
    response = HttpResponse(bytes(record.response_body), status=record.status)
    for name, value in record.response_headers.items():
        response[name] = value
    response[REPLAYED_HEADER] = "true"
    return response


def request_digest(method: str, path: str, data) -> str:
    """SHA-256 of the method, the path and the body in canonical form."""
    if hasattr(data, "lists"):  # a QueryDict: form fields, and files for multipart
        body = {name: [_canonical_value(v) for v in values] for name, values in data.lists()}
    else:
        body = data
    canonical = json.dumps(
        body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    return hashlib.sha256(f"{method}\n{path}\n{canonical}".encode()).hexdigest()


def _canonical_value(value):
    if not hasattr(value, "chunks"):
        return value
    digest = hashlib.sha256()
    for chunk in value.chunks():
        digest.update(chunk)
    value.seek(0)
    return {"name": value.name, "size": value.size, "sha256": digest.hexdigest()}


def prune_expired() -> int:
    """Delete keys older than the TTL (beat runs it hourly); the number deleted."""
    from aidtrack.core.models import IdempotencyKey

    deleted, _by_model = IdempotencyKey.objects.filter(
        created_at__lt=timezone.now() - ttl()
    ).delete()
    return deleted


# -- OpenAPI ----------------------------------------------------------------------

_PARAMETER = {
    "name": HEADER,
    "in": "header",
    "required": False,
    "description": (
        "Makes a retry of this POST safe: the same key with the same request within "
        "the key's lifetime (24 hours by default) replays the first response, with header "
        "`Idempotent-Replayed: true`, without writing again. Keys are per user."
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_LENGTH, "pattern": "^[ -~]+$"},
}


def schema_hook(result, generator, request, public):
    """drf-spectacular postprocessing: the header and its 409/422 answers on every keyed POST."""
    from aidtrack.core.schema import add_error_response  # the schema module imports the API

    read_only = _read_only_post_paths(generator)
    for path, operations in result.get("paths", {}).items():
        operation = operations.get("post")
        if operation is None or path in read_only:
            continue
        parameters = operation.setdefault("parameters", [])
        if not any(p.get("name") == HEADER for p in parameters):
            parameters.append(dict(_PARAMETER))
        add_error_response(
            operation,
            409,
            "A request with the same Idempotency-Key is still running "
            "(`idempotency_key_in_progress`; retry), or the state or a natural key of "
            "the record does not allow it (`conflict`, `duplicate`).",
        )
        add_error_response(
            operation,
            422,
            "The Idempotency-Key was used for a different request (`idempotency_key_reused`).",
        )
    return result


def _read_only_post_paths(generator) -> set[str]:
    """Schema paths of POSTs that only read (the header does not apply to them)."""
    paths = set()
    for path, _regex, method, callback in generator.endpoints or ():
        if method != "POST":
            continue
        view = generator.create_view(callback, method)
        if reads_only(view, getattr(view, "action_scopes", {}).get(view.action, scoping.ADD)):
            paths.add(generator.coerce_path(path, method, view))
    return paths
