from django.contrib import admin

from pairings.models import Organization, Pairing, Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "full_name")
    list_filter = ("level",)
    search_fields = ("code", "full_name")
    readonly_fields = ("code", "name", "level", "parent", "full_name", "updated_at")

    def has_add_permission(self, request):
        return False  # loaded from the division files by load_regions

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "region", "credit_code")
    list_filter = ("kind",)
    search_fields = ("name", "credit_code", "region__full_name")
    autocomplete_fields = ("region",)


@admin.register(Pairing)
class PairingAdmin(admin.ModelAdmin):
    list_display = ("__str__", "programme", "level", "parent", "start_date", "end_date", "status")
    list_filter = ("programme", "level", "status")
    search_fields = ("helping_region__full_name", "helped_region__full_name")
    autocomplete_fields = ("helping_region", "helped_region", "parent")
    list_select_related = (
        "helping_region",
        "helped_region",
        "parent__helping_region",
        "parent__helped_region",
    )
