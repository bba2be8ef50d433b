from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.generic import TemplateView

from accounts.choices import Role
from accounts.filters import UserFilterSet
from accounts.forms import LoginForm, UserForm
from accounts.models import Notification, User
from accounts.services import notifications_mark_read
from accounts.tables import UserTable
from aidtrack.core import scoping
from aidtrack.core.forms import bootstrap
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
