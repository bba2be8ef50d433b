from django.contrib import admin

from cadres.models import Person, PersonalDataReveal


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
    autocomplete_fields = ("home_organization",)


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
