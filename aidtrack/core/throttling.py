"""API brakes: requests per token, failed authentications per address.

``ApiRateThrottle`` (DRF's ``DEFAULT_THROTTLE_CLASSES``) counts each API
token's requests apart (a session's by its user) at ``API_THROTTLE_RATES["api"]``.
Requests that fail to authenticate never reach a throttle (DRF authenticates
first), so ``json_exception_handler`` counts them by address with
``FailedAuthenticationThrottle`` at the stricter ``"api_anon"`` rate and
answers 429 once the address is over it.

Every throttled response says where the caller stands, in the IETF draft's
headers (``RateLimit-Limit``, ``-Remaining``, ``-Reset``; see
``RateLimitHeadersMiddleware``); a 429 also has ``Retry-After``.

The counts live in the cache (Redis in production). A brake must not become
an outage: when the cache fails, the request is allowed and the throttles
stay off in this process for ``_CACHE_RETRY_SECONDS``, so a dead Redis does
not cost every request a connect timeout.
"""

import logging
import math
import time

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

logger = logging.getLogger(__name__)

_CACHE_RETRY_SECONDS = 30.0
_cache_down_until = 0.0
# Where the throttle leaves the figures for the middleware (on the HttpRequest).
_STATE_ATTRIBUTE = "aidtrack_rate_limit"


class RateLimited(Exception):  # noqa: N818 - named like DRF's Throttled, which it becomes
    """A service's own limit was reached (personal-data reveals); retry after ``wait`` seconds.

    The API answers it like a throttle (429, ``Retry-After``); pages show it
    as a form error.
    """

    def __init__(self, message, *, wait: int):
        super().__init__(message)
        self.message = message
        self.wait = wait


class _CountingThrottle(SimpleRateThrottle):
    """A SimpleRateThrottle whose rate is read from settings at each request.

    DRF binds ``THROTTLE_RATES`` when the class is defined; reading
    ``API_THROTTLE_RATES`` now lets deployments and tests change them.
    """

    def get_rate(self):
        return settings.API_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view):
        global _cache_down_until
        if time.monotonic() < _cache_down_until:
            return True
        try:
            allowed = super().allow_request(request, view)
        except Exception:  # noqa: BLE001 - whatever the cache raises, the request goes on
            _cache_down_until = time.monotonic() + _CACHE_RETRY_SECONDS
            logger.warning(
                "rate limits off for %ss: the cache failed", _CACHE_RETRY_SECONDS, exc_info=True
            )
            return True
        if self.rate is not None and getattr(self, "key", None) is not None:
            self._remember(request, allowed)
        return allowed

    def _remember(self, request, allowed: bool) -> None:
        # The oldest counted request leaves the window first and frees a slot.
        reset = self.duration - (self.now - self.history[-1]) if self.history else self.duration
        remaining = max(self.num_requests - len(self.history), 0) if allowed else 0
        state = (self.num_requests, remaining, reset)
        setattr(getattr(request, "_request", request), _STATE_ATTRIBUTE, state)


class ApiRateThrottle(_CountingThrottle):
    """Each API token counts alone; a signed-in browser session counts as its user."""

    scope = "api"

    def get_cache_key(self, request, view):
        token_id = getattr(request.auth, "pk", None)
        if token_id is not None:
            ident = f"token-{token_id}"
        elif request.user is not None and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            return None  # refused anyway; FailedAuthenticationThrottle counts those
        return self.cache_format % {"scope": self.scope, "ident": ident}


class FailedAuthenticationThrottle(_CountingThrottle):
    """Requests without valid credentials (bad, revoked or no token), per address."""

    scope = "api_anon"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": client_address(request)}


def client_address(request) -> str | None:
    """The caller's address, for every brake that counts by address (API and sign-in).

    REMOTE_ADDR, unless TRUSTED_PROXY_COUNT proxies stand in front: each
    appends the address it saw to X-Forwarded-For, so the entry that many
    places from the end was seen by the outermost trusted proxy; entries
    before it are the caller's own words.
    """
    remote = request.META.get("REMOTE_ADDR")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [
        address.strip()
        for address in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if address.strip()
    ]
    return forwarded[-min(count, len(forwarded))] if forwarded else remote


def refuse_failed_authentication(request, view) -> float | None:
    """Count one failed authentication; the seconds to wait if the address is over its rate."""
    throttle = FailedAuthenticationThrottle()
    if throttle.allow_request(request, view):
        return None
    return throttle.wait() or 1


class RateLimitHeadersMiddleware:
    """Copy a throttle's figures onto the response as the IETF draft's RateLimit-* headers."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        state = getattr(request, _STATE_ATTRIBUTE, None)
        if state is not None:
            limit, remaining, reset = state
            response["RateLimit-Limit"] = str(limit)
            response["RateLimit-Remaining"] = str(remaining)
            response["RateLimit-Reset"] = str(max(math.ceil(reset), 0))
        return response
