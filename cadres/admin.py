from django.contrib import admin

from cadres.models import (
    Award,
    CareRecord,
    CheckIn,
    LeaveRequest,
    Mentorship,
    Person,
    PersonalDataReveal,
    Team,
    TeamMember,
)


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    """Operators see the same masked values as everyone else."""

    list_display = (
        "name",
        "category",
        "specialty",
        "title",
        "home_organization",
        "masked_id_number",
    )
    list_filter = ("category", "specialty", "gender")
    search_fields = ("name", "home_organization__name")
    exclude = ("id_number", "phone")
    readonly_fields = ("masked_id_number", "masked_phone")
    autocomplete_fields = ("home_organization", "user")


@admin.register(PersonalDataReveal)
class PersonalDataRevealAdmin(admin.ModelAdmin):
    list_display = ("revealed_at", "revealed_by", "person", "field", "reason")
    list_filter = ("field",)
    search_fields = ("person__name", "revealed_by__username", "reason")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class TeamMemberInline(admin.TabularInline):
    model = TeamMember
    extra = 0
    autocomplete_fields = ("person",)


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "pairing", "host_organization", "start_date", "end_date")
    list_filter = ("kind",)
    search_fields = ("name",)
    inlines = [TeamMemberInline]


@admin.register(CheckIn)
class CheckInAdmin(admin.ModelAdmin):
    list_display = ("person", "date", "slot", "state", "note", "recorded_at")
    list_filter = ("slot", "state", "date")
    search_fields = ("person__name",)
    date_hierarchy = "date"


@admin.register(LeaveRequest)
class LeaveRequestAdmin(admin.ModelAdmin):
    list_display = ("person", "team", "start_date", "end_date", "status", "decided_by")
    list_filter = ("status",)
    search_fields = ("person__name", "team__name")
    readonly_fields = ("status", "decided_by", "decided_at", "decision_comment")


@admin.register(Mentorship)
class MentorshipAdmin(admin.ModelAdmin):
    list_display = ("mentor", "subject", "start_date", "end_date")
    search_fields = ("mentor__name", "subject", "apprentices")


@admin.register(Award)
class AwardAdmin(admin.ModelAdmin):
    list_display = ("person", "title", "level", "year", "issuer")
    list_filter = ("level", "year")
    search_fields = ("person__name", "title")


@admin.register(CareRecord)
class CareRecordAdmin(admin.ModelAdmin):
    list_display = ("person", "kind", "date", "follow_up_date")
    list_filter = ("kind",)
    search_fields = ("person__name", "note")
