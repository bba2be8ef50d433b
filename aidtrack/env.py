"""Typed readers for settings that come from the environment.

Kept apart from settings.py so the parsing rules (what counts as true, how
lists are split) are defined once and can be tested on their own.
"""

import os
import re

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_required(name: str, why: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(f"{name} must be set: {why}")
    return value


_RATE = re.compile(r"^\d+/(s|sec|m|min|h|hour|d|day)$")


def env_rate(name: str, default: str | None) -> str | None:
    """A request rate such as ``120/min`` (DRF's notation); ``off`` for none."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in {"off", "none", ""}:
        return None
    if not _RATE.match(value):
        raise ImproperlyConfigured(f"{name} must be a rate such as 120/min, or off; got {raw!r}")
    return value


# Django's own deployment check (security.W009) uses the same bounds.
_SECRET_KEY_MIN_LENGTH = 50
_SECRET_KEY_MIN_DISTINCT = 5
_DEVELOPMENT_KEY_PREFIXES = ("insecure-", "django-insecure-")


def env_secret_key(name: str) -> str:
    """A signing key fit for production: set, not a development key, long and varied.

    A weak key lets anyone forge sessions, password-reset links and signed
    values, so production refuses to start rather than warn. The message
    never repeats the key.
    """
    value = env_required(name, "production refuses to start without its own secret key")
    advice = "generate one with: python -c 'import secrets; print(secrets.token_urlsafe(64))'"
    if value.startswith(_DEVELOPMENT_KEY_PREFIXES):
        raise ImproperlyConfigured(f"{name} is a development key; {advice}")
    distinct = len(set(value))
    if len(value) < _SECRET_KEY_MIN_LENGTH or distinct < _SECRET_KEY_MIN_DISTINCT:
        raise ImproperlyConfigured(
            f"{name} is too weak for production: it has {len(value)} characters, "
            f"{distinct} of them different; it needs at least {_SECRET_KEY_MIN_LENGTH} "
            f"characters and {_SECRET_KEY_MIN_DISTINCT} different ones; {advice}"
        )
    return value


def env_time(name: str, default: str) -> tuple[int, int]:
    """A time of day written ``HH:MM`` (24-hour), as ``(hour, minute)``."""
    raw = os.environ.get(name, default).strip()
    try:
        hour, minute = (int(part) for part in raw.split(":"))
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a time such as 09:30, got {raw!r}") from exc
    if not (0 <= hour < 24 and 0 <= minute < 60):
        raise ImproperlyConfigured(f"{name} must be a time such as 09:30, got {raw!r}")
    return hour, minute
