from django.urls import path

from pairings.views import PairingViews, RegionSuggestView, RegionViews

app_name = "pairings"

urlpatterns = [
    *PairingViews.urls(),
    *RegionViews.urls(),
    path("regions/suggest/", RegionSuggestView.as_view(), name="region_suggest"),
]
