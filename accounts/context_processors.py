"""The unread-notification badge in the navigation bar."""

from accounts.models import Notification


def notifications(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    loaded = getattr(user, "unread_notification_count", None)  # with the user (accounts.backends)
    if loaded is not None:
        return {"unread_notifications": loaded}
    # Lazy: pages that do not render the bar (API, exports) run no query.
    return {"unread_notifications": lambda: Notification.objects.unread().filter(user=user).count()}
