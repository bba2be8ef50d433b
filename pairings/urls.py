from django.urls import path

from pairings.views import (
    AgreementTargetViews,
    AgreementViews,
    OrganizationViews,
    PairingTreeView,
    PairingViews,
    RegionSuggestView,
    RegionViews,
)

app_name = "pairings"

urlpatterns = [
    path("tree/", PairingTreeView.as_view(), name="pairing_tree"),
    path("regions/suggest/", RegionSuggestView.as_view(), name="region_suggest"),
    *PairingViews.urls(),
    *RegionViews.urls(),
    *OrganizationViews.urls(),
    *AgreementViews.urls(),
    *AgreementTargetViews.urls(),
]
