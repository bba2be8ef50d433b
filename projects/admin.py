from django.contrib import admin

from projects.models import Indicator, Need, OutcomeReport, OutcomeReportReview, Project


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ("code", "name_zh", "name_en", "unit", "category", "aggregation", "computed")
    list_filter = ("category", "unit", "aggregation", "computed", "active")
    search_fields = ("code", "name_zh", "name_en")


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    """Status and dates of the workflow are changed on the project page (services)."""

    list_display = ("code", "name", "pairing", "category", "year", "status", "budget")
    list_filter = ("status", "category", "year")
    search_fields = ("code", "name")
    readonly_fields = ("status", "accepted_on", "cancelled_on", "cancellation_reason")
    raw_id_fields = (
        "pairing",
        "parent",
        "region",
        "lead_organization",
        "implementing_organization",
    )


class ReviewInline(admin.TabularInline):
    model = OutcomeReportReview
    extra = 0
    can_delete = False
    readonly_fields = ("action", "comment", "user", "at")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(OutcomeReport)
class OutcomeReportAdmin(admin.ModelAdmin):
    """Review steps are taken on the report's page, where they are checked and recorded."""

    list_display = (
        "indicator",
        "pairing",
        "project",
        "year",
        "quarter",
        "month",
        "value",
        "status",
    )
    list_filter = ("status", "year", "indicator__category")
    search_fields = ("indicator__code", "indicator__name_zh", "note")
    readonly_fields = ("status", "submitted_at", "reviewed_at", "review_comment")
    raw_id_fields = ("pairing", "project")
    inlines = [ReviewInline]


@admin.register(Need)
class NeedAdmin(admin.ModelAdmin):
    list_display = ("description", "pairing", "collected_on", "category", "priority", "status")
    list_filter = ("status", "category", "priority")
    search_fields = ("description", "raised_by_department")
    readonly_fields = ("status", "matched_on", "resolved_on", "resolution_note")
    raw_id_fields = ("pairing", "raised_by_region")
