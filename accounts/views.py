from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse_lazy

from accounts.choices import Role
from accounts.filters import UserFilterSet
from accounts.forms import LoginForm, UserForm
from accounts.models import User
from accounts.tables import UserTable
from aidtrack.core.forms import bootstrap
from aidtrack.core.views import ObjectViews

# Where each role starts its day. Leaders move to the assessment dashboards
# once they exist.
ROLE_HOME = {
    Role.ADMINISTRATOR: "pairings:pairing_list",
    Role.COORDINATOR: "pairings:pairing_list",
    Role.LEADER: "pairings:pairing_list",
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
    admin_only = True
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
