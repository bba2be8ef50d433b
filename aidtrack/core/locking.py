"""Records that are history: visible, but no longer changed by ordinary users.

A model opts in with ``locked_reason(user) -> str | None``; the generic edit
and delete pages and the API refuse changes with that reason (403).
"""

from django.core.exceptions import PermissionDenied


def ensure_unlocked(obj, user) -> None:
    locked_reason = getattr(obj, "locked_reason", None)
    reason = locked_reason(user) if locked_reason else None
    if reason:
        raise PermissionDenied(reason)
