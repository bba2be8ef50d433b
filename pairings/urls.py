from pairings.views import PairingViews, RegionViews

app_name = "pairings"

urlpatterns = [*PairingViews.urls(), *RegionViews.urls()]
