from django.contrib import admin

from assessments.models import GradeThreshold, OfficialGrade, PairingYearSummary, Rubric, RubricItem
from pairings.models import Pairing


class RubricItemInline(admin.TabularInline):
    model = RubricItem
    extra = 0


class GradeThresholdInline(admin.TabularInline):
    model = GradeThreshold
    extra = 0


@admin.register(Rubric)
class RubricAdmin(admin.ModelAdmin):
    list_display = ("year", "name")
    inlines = (RubricItemInline, GradeThresholdInline)


@admin.register(OfficialGrade)
class OfficialGradeAdmin(admin.ModelAdmin):
    list_display = ("pairing", "year", "level", "grade", "document_reference")
    list_filter = ("year", "level")
    list_select_related = Pairing.name_related("pairing")


@admin.register(PairingYearSummary)
class PairingYearSummaryAdmin(admin.ModelAdmin):
    """Read-only: summaries are written by assessment_refresh only."""

    list_display = ("pairing", "year", "score", "grade", "refreshed_at", "last_failed_at")
    list_filter = ("year", "grade")
    list_select_related = Pairing.name_related("pairing")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
