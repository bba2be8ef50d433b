"""Liveness and readiness probes for the container orchestrator and operators."""

import time
import uuid

from django.conf import settings
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
    """Database, cache and broker answer; 503 with the failing check otherwise."""
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
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": results},
        status=200 if ready else 503,
    )
