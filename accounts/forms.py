from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from aidtrack.core.forms import ScopedModelForm, bootstrap


class LoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "api_only": _("This account is for a partner system and may only use the API."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            bootstrap(field)

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not user.uses_browser:
            raise forms.ValidationError(self.error_messages["api_only"], code="api_only")


class UserForm(ScopedModelForm):
    password = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput(render_value=False),
        required=False,
        help_text=_("Leave empty to keep the current password. Required for a new user."),
    )

    class Meta:
        model = User
        fields = [
            "username",
            "full_name",
            "email",
            "organization_name",
            "role",
            "scope_pairings",
            "is_active",
        ]

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None and not cleaned.get("password"):
            self.add_error("password", _("A new user needs a password."))
        return cleaned

    def _post_clean(self):
        super()._post_clean()
        password = self.cleaned_data.get("password")
        if password:
            try:
                validate_password(password, self.instance)
            except forms.ValidationError as exc:
                self.add_error("password", exc)

    def service_arguments(self) -> dict:
        return {"password": self.cleaned_data.get("password") or None}
