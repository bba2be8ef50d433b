"""Liveness and readiness probes for the container orchestrator and operators."""

import time
import uuid
from importlib import import_module

from django.conf import settings
from django.contrib.auth import get_user
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@require_GET
@never_cache
def healthz(request):
    """The process is up and serving; nothing else is touched."""
    return JsonResponse({"status": "ok"})


def _check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        return cursor.fetchone()[0].split(" on ")[0]


def _check_cache():
    key = f"readyz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    if cache.get(key) != "1":
        raise RuntimeError("value written to the cache could not be read back")
    cache.delete(key)
    return settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]


def _check_broker():
    if not settings.REDIS_URL:
        return "eager (no broker: tasks run in-process)"
    from aidtrack.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return "redis"


CHECKS = {"database": _check_database, "cache": _check_cache, "broker": _check_broker}


@require_GET
@never_cache
def readyz(request):
    """Database, cache and broker answer; 503 otherwise. Each check's detail only for operators."""
    results, ready = {}, True
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            detail = check()
            results[name] = {"ok": True, "detail": detail}
        except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
            ready = False
            results[name] = {"ok": False, "detail": f"{type(exc).__name__}: {exc}"}
        results[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    answer = {"status": "ok" if ready else "unavailable"}
    if _may_see_details(request):
        answer["checks"] = results
    return JsonResponse(answer, status=200 if ready else 503)


# The container's own health check calls from inside (docker-compose.yml).
_LOOPBACK = {"127.0.0.1", "::1", "::ffff:127.0.0.1"}


def _may_see_details(request) -> bool:
    """Versions and error texts are for operators: local probes and administrators.

    A request that came through a proxy (X-Forwarded-For) is not local even
    when the proxy connects over loopback.
    """
    local = request.META.get("REMOTE_ADDR") in _LOOPBACK
    if local and "HTTP_X_FORWARDED_FOR" not in request.META:
        return True
    return _is_administrator(request)


def _is_administrator(request) -> bool:
    # Probes are answered before the session middleware runs
    # (HealthCheckMiddleware), so the session is opened here.
    key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if not key:
        return False
    try:
        request.session = import_module(settings.SESSION_ENGINE).SessionStore(key)
        return bool(getattr(get_user(request), "is_administrator", False))
    except Exception:  # noqa: BLE001 - database down: the probe still answers, without details
        return False
