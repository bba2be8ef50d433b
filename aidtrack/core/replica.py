"""Reads of safe requests from a PostgreSQL read replica; everything else from the primary.

Active only when ``DATABASE_REPLICA_URL`` is set (settings add the ``replica``
alias, this router and this middleware); without it nothing changes.

A read goes to the replica only when all of these hold:

- it happens while a safe request (GET, HEAD, OPTIONS) is being served, not
  in a task, a command or a shell;
- the request has written nothing yet: after its first write, its reads stay
  on the primary (they may read what it wrote). Bookkeeping writes (the
  session, an API token's last use, sign-in attempts) do not count: nothing
  reads them back within the request or the next ones;
- no transaction is open on the primary (a read inside a write's transaction
  must see that transaction);
- the same client wrote nothing in the last ``REPLICA_PIN_SECONDS``
  (read-your-writes across requests): a write request, or a safe request that
  wrote more than bookkeeping, pins the client — its session cookie or its
  API token, hashed — to the primary for that long, in the shared cache, so
  every web process sees the pin. Set it above the replica's worst lag.

Writes always go to the primary; migrations run only there.
"""

import contextvars
import hashlib

from django.conf import settings
from django.core.cache import cache
from django.db import connections

PRIMARY = "default"
REPLICA = "replica"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Writes a safe request makes by itself, that change nothing a later read depends on.
BOOKKEEPING = frozenset(
    {
        "sessions.session",
        "accounts.apitoken",
        "axes.accessattempt",
        "axes.accesslog",
        "axes.accessfailurelog",
    }
)


class _RequestState:
    __slots__ = ("replica_allowed", "wrote")

    def __init__(self, replica_allowed: bool):
        self.replica_allowed = replica_allowed
        # More than bookkeeping: later reads stay on the primary, and the client is pinned.
        self.wrote = False


_state: contextvars.ContextVar[_RequestState | None] = contextvars.ContextVar(
    "replica_state", default=None
)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


class ReplicaRouter:
    """``DATABASE_ROUTERS`` entry; the module docstring says when a read uses the replica."""

    def db_for_read(self, model, **hints):
        state = _state.get()
        if state is None or not state.replica_allowed or state.wrote:
            return PRIMARY
        if connections[PRIMARY].in_atomic_block:
            return PRIMARY
        return REPLICA

    def db_for_write(self, model, **hints):
        state = _state.get()
        if state is not None and model._meta.label_lower not in BOOKKEEPING:
            state.wrote = True
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY


def _client_key(request) -> str | None:
    """Who the request comes from, without a query: the API token or the session cookie."""
    credential = request.headers.get("Authorization") or request.COOKIES.get(
        settings.SESSION_COOKIE_NAME
    )
    return _pin_key(credential) if credential else None


def _pin_key(credential: str) -> str:
    return "replica-pin:" + hashlib.sha256(credential.encode()).hexdigest()[:32]


def pinned(request) -> bool:
    key = _client_key(request)
    return key is not None and cache.get(key) is not None


def pin(request, response) -> None:
    """Keep this client on the primary for ``REPLICA_PIN_SECONDS``."""
    keys = {_client_key(request)}
    # A sign-in hands out a new session cookie: pin that one too.
    cookie = response.cookies.get(settings.SESSION_COOKIE_NAME)
    if cookie is not None and cookie.value:
        keys.add(_pin_key(cookie.value))
    for key in keys - {None}:
        cache.set(key, 1, timeout=settings.REPLICA_PIN_SECONDS)


class ReplicaMiddleware:
    """Opens the request's routing state, and pins a client that wrote."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        safe = request.method in SAFE_METHODS
        state = _RequestState(replica_allowed=safe and not pinned(request))
        token = _state.set(state)
        try:
            response = self.get_response(request)
        finally:
            _state.reset(token)
        if not safe or state.wrote:
            pin(request, response)
        return response
