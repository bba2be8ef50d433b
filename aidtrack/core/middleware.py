"""Request id, request logging, security headers and the audit actor for each request."""

import contextlib
import logging
import re
import time
import uuid

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpResponse, JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from aidtrack.core import audit, health
from aidtrack.core.logging import request_id_var

logger = logging.getLogger("aidtrack.request")

# Accept an upstream id (gateway, partner system) only if it looks like one.
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class HealthCheckMiddleware:
    """Answer the probes before host validation and HTTPS redirects.

    Orchestrators probe containers by IP over plain HTTP, which is neither an
    allowed host nor HTTPS; the probes reveal nothing that needs either.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == "/healthz":
            return health.healthz(request)
        if request.path == "/readyz":
            return health.readyz(request)
        return self.get_response(request)


class SecurityHeadersMiddleware:
    """Content-Security-Policy and Permissions-Policy on every response, from settings.

    Ours rather than django-csp: the policy is one fixed header (no inline
    code is left to need nonces), and SECURE_CSP has the shape of Django
    6.0's built-in setting, so upgrading means swapping this class for
    ``django.middleware.csp.ContentSecurityPolicyMiddleware``. A view may set
    its own header first (none does); it is then left alone.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.csp = "; ".join(
            f"{directive} {' '.join(sources)}" for directive, sources in settings.SECURE_CSP.items()
        )
        self.permissions = ", ".join(
            f"{feature}=({' '.join(allowed)})"
            for feature, allowed in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request):
        response = self.get_response(request)
        if self.csp:
            response.headers.setdefault("Content-Security-Policy", self.csp)
        if self.permissions:
            response.headers.setdefault("Permissions-Policy", self.permissions)
        return response


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request.id = incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request.id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request.id
            user = getattr(request, "user", None)
            logger.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "user_id": user.pk if user is not None and user.is_authenticated else None,
                },
            )
            return response
        finally:
            request_id_var.reset(token)


class AuditContextMiddleware:
    """Tell the database who is writing, so the audit triggers can record it.

    Only unsafe methods can write, so GET pages pay nothing. API requests
    authenticate later (tokens), and the API base view names the actor again.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return self.get_response(request)
        source = "admin" if request.path.startswith("/admin/") else "web"
        with audit.audit_context(request.user, source=source, request_id=request.id):
            return self.get_response(request)


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    """Simplified Chinese unless the user chose otherwise with the language switch.

    The browser's Accept-Language is ignored on purpose: offices in China
    often run English-language systems, and the platform's default is Chinese.
    API clients are programs that ask deliberately, so they are honoured.
    """

    def process_request(self, request):
        if request.path.startswith("/api/"):
            return super().process_request(request)
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class DatabaseUnavailableMiddleware:
    """A lost database connection is a 503 to retry, not a 500.

    The connection is closed, so the next request opens a new one (with
    ``CONN_HEALTH_CHECKS`` an idle one is checked before use); the app needs
    no restart when PostgreSQL comes back. The 500.html-style page needs no
    database (no layout, no user menu).
    """

    RETRY_AFTER_SECONDS = 30

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.error("database unavailable: %s", exception)
        with contextlib.suppress(DatabaseError):  # already gone
            connection.close()
        if request.path.startswith("/api/"):
            response = JsonResponse(
                {
                    "code": "service_unavailable",
                    "message": str(_("The database cannot be reached; try again shortly.")),
                },
                status=503,
            )
        else:
            response = HttpResponse(render_to_string("503.html", request=None), status=503)
        response["Retry-After"] = str(self.RETRY_AFTER_SECONDS)
        return response


class SlidingSessionMiddleware:
    """Renew a session's idle timeout at most once a minute, not with a write per page.

    Sessions expire after SESSION_COOKIE_AGE without a request. Saving the
    session on every request (SESSION_SAVE_EVERY_REQUEST) kept that exact,
    at the cost of a write per page view — a third of a short list page's
    time. Marking the session changed only when its last renewal is older
    than SESSION_RENEW_SECONDS keeps the timeout to within that minute.
    Placed inside SessionMiddleware, which saves what is marked.
    """

    RENEWED_KEY = "_renewed_at"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        # A session without a key is new or was just ended (sign-out): nothing to renew.
        if session is not None and session.session_key:
            now = int(time.time())
            if now - session.get(self.RENEWED_KEY, 0) >= settings.SESSION_RENEW_SECONDS:
                session[self.RENEWED_KEY] = now
        return response
