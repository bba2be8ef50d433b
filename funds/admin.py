"""Operators read the money here; every write goes through the pages and the API,
whose services keep the totals consistent."""

from django.contrib import admin

from funds.models import (
    ConsumptionSupport,
    Donation,
    FundAllocation,
    FundTransaction,
    Investment,
    InvestmentTranche,
    OverAllocation,
    Park,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(FundAllocation)
class FundAllocationAdmin(ReadOnlyAdmin):
    list_display = ("year", "pairing", "source_level", "amount", "document_reference")
    list_filter = ("year", "source_level")
    list_select_related = ("pairing__helping_region", "pairing__helped_region")


@admin.register(OverAllocation)
class OverAllocationAdmin(ReadOnlyAdmin):
    list_display = ("year", "pairing", "amount", "approved_by")
    list_filter = ("year",)


@admin.register(FundTransaction)
class FundTransactionAdmin(ReadOnlyAdmin):
    list_display = ("date", "project", "kind", "amount", "voucher_number", "reverses")
    list_filter = ("kind",)
    search_fields = ("project__code", "project__name", "voucher_number")
    list_select_related = ("project", "reverses")


@admin.register(Investment)
class InvestmentAdmin(ReadOnlyAdmin):
    list_display = ("enterprise", "pairing", "industry", "amount_agreed", "amount_in_place")
    search_fields = ("enterprise__name", "name", "industry")


@admin.register(InvestmentTranche)
class InvestmentTrancheAdmin(ReadOnlyAdmin):
    list_display = ("date", "investment", "amount")


@admin.register(Donation)
class DonationAdmin(admin.ModelAdmin):
    list_display = ("date", "pairing", "kind", "amount", "donor_name", "recipient_name")
    list_filter = ("kind",)
    search_fields = ("donor_name", "recipient_name", "items")


@admin.register(Park)
class ParkAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "pairing", "region", "opened_on")
    list_filter = ("kind",)
    search_fields = ("name",)


@admin.register(ConsumptionSupport)
class ConsumptionSupportAdmin(admin.ModelAdmin):
    list_display = ("year", "month", "pairing", "kind", "product", "amount")
    list_filter = ("kind", "year")
    search_fields = ("product", "channel")
