from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import ApiToken, Notification, User
from accounts.services import api_token_revoke, sign_in_unlock


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "full_name", "role", "organization_name", "is_active", "last_login")
    list_filter = ("role", "is_active", "is_superuser")
    search_fields = ("username", "full_name", "email", "organization_name")
    filter_horizontal = ("scope_pairings", "groups", "user_permissions")
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("AidTrack"), {"fields": ("full_name", "organization_name", "role", "scope_pairings")}),
    )
    actions = ["unlock_sign_in"]

    @admin.action(description=_("Unlock sign-in for the selected users"))
    def unlock_sign_in(self, request, queryset):
        """Lift a lockout after too many wrong passwords (django-axes) before it ends."""
        for account in queryset:
            sign_in_unlock(username=account.get_username())
        self.message_user(
            request, _("Sign-in unlocked for %(count)s users.") % {"count": queryset.count()}
        )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued with ``manage.py create_api_token``; here they are reviewed and revoked."""

    list_display = (
        "prefix",
        "user",
        "name",
        "can_write",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )
    list_filter = ("can_write",)
    search_fields = ("prefix", "name", "user__username")
    readonly_fields = ("user", "prefix", "created_at", "last_used_at")
    fields = (
        "user",
        "name",
        "prefix",
        "can_write",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )

    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        for token in queryset:
            api_token_revoke(token=token)
        self.message_user(request, _("%(count)s tokens revoked.") % {"count": queryset.count()})


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "user", "message", "read_at")
    search_fields = ("user__username", "message")
    list_filter = ("read_at",)
