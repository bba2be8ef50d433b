"""The unread-notification badge in the navigation bar."""

from accounts.models import Notification


def notifications(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Lazy: pages that do not render the bar (API, exports) run no query.
    return {
        "unread_notifications": lambda: Notification.objects.filter(
            user=user, read_at__isnull=True
        ).count()
    }
