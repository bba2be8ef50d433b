import math

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Max, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from accounts.choices import Role
from accounts.filters import UserFilterSet
from accounts.forms import LoginForm, UserForm
from accounts.models import Notification, User
from accounts.services import notifications_mark_read
from accounts.tables import UserTable
from aidtrack.core import scoping
from aidtrack.core.forms import bootstrap
from aidtrack.core.throttling import client_address
from aidtrack.core.views import BrowserAccessMixin, ObjectViews

# Where each role starts its day: leaders on the assessment overview.
ROLE_HOME = {
    Role.ADMINISTRATOR: "pairings:pairing_list",
    Role.COORDINATOR: "pairings:pairing_list",
    Role.LEADER: "assessments:overview",
    Role.MEMBER: "cadres:checkin",
}


@login_required
def home(request):
    user = request.user
    if not user.uses_browser:
        raise PermissionDenied
    role = Role.ADMINISTRATOR if user.is_administrator else user.role
    return redirect(ROLE_HOME[role])


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


def login_locked_out(request, response=None, credentials=None):
    """django-axes' answer to a refused sign-in (AXES_LOCKOUT_CALLABLE): the login page, 429.

    Refused even with the right password until the lockout ends or an
    administrator unlocks the account; the message says which and how long.
    """
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    wait = _lockout_remaining(username, client_address(request))
    minutes = max(math.ceil(wait / 60), 1)
    message = _(
        "Too many failed sign-in attempts for this account or from this address. "
        "Try again in %(minutes)s minutes, or ask an administrator to unlock the account."
    ) % {"minutes": minutes}
    form = LoginForm(request, initial={"username": username})
    context = {
        "form": form,
        "lockout_message": message,
        "next": request.POST.get("next") or request.GET.get("next", ""),
    }
    locked = render(request, LoginView.template_name, context, status=429)
    locked["Retry-After"] = str(max(math.ceil(wait), 1))
    return locked


def _lockout_remaining(username: str, address: str | None) -> float:
    """Seconds until the lockout ends: the last counted failure ages out of the window.

    Failures while locked out are not counted (settings), so this does not move.
    """
    latest = AccessAttempt.objects.filter(Q(username=username) | Q(ip_address=address)).aggregate(
        latest=Max("attempt_time")
    )["latest"]
    cool_off = settings.AXES_COOLOFF_TIME
    if latest is None:
        return cool_off.total_seconds()
    return (latest + cool_off - timezone.now()).total_seconds()


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:password_change_done")

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        for field in form.fields.values():
            bootstrap(field)
        return form


class UserViews(ObjectViews):
    """Account administration; everyone else reaches their own account via the API."""

    model = User
    pages_need = scoping.CHANGE  # administration pages; one's own account is in the API
    filterset_class = UserFilterSet
    table_class = UserTable
    form_class = UserForm
    detail_fields = (
        "username",
        "full_name",
        "email",
        "organization_name",
        "role",
        "scope_pairings",
        "is_active",
        "last_login",
        "date_joined",
    )


class NotificationListView(BrowserAccessMixin, TemplateView):
    """The signed-in user's own notifications; opening one marks it read."""

    template_name = "accounts/notification_list.html"

    def get(self, request, *args, **kwargs):
        notifications = Notification.objects.filter(user=request.user)
        page = Paginator(notifications, 50).get_page(request.GET.get("page"))
        return self.render_to_response(self.get_context_data(page=page))

    def post(self, request, *args, **kwargs):
        """``id``: mark that one read and follow its link; none: mark all read."""
        raw_id = request.POST.get("id", "")
        if raw_id.isascii() and raw_id.isdigit():  # "²" is a digit int() refuses
            notification = get_object_or_404(Notification, pk=int(raw_id), user=request.user)
            notifications_mark_read(user=request.user, ids=[notification.pk])
            if notification.url and url_has_allowed_host_and_scheme(
                notification.url, allowed_hosts={request.get_host()}
            ):
                return redirect(notification.url)
        else:
            notifications_mark_read(user=request.user)
        return redirect("accounts:notification_list")
