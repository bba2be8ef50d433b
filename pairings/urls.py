from django.urls import path

from pairings.models import Pairing
from pairings.views import (
    AgreementTargetViews,
    AgreementViews,
    OrganizationViews,
    PairingReassignView,
    PairingTreeView,
    PairingViews,
    RegionSuggestView,
    RegionViews,
)

app_name = "pairings"

urlpatterns = [
    path("tree/", PairingTreeView.as_view(), name="pairing_tree"),
    path(
        "pairings/<int:pk>/reassign/",
        PairingReassignView.as_view(model=Pairing, config=PairingViews),
        name="pairing_reassign",
    ),
    path("regions/suggest/", RegionSuggestView.as_view(), name="region_suggest"),
    *PairingViews.urls(),
    *RegionViews.urls(),
    *OrganizationViews.urls(),
    *AgreementViews.urls(),
    *AgreementTargetViews.urls(),
]
