from django.urls import path

from funds.views import (
    ConsumptionSupportViews,
    DonationViews,
    FundAllocationViews,
    FundTransactionViews,
    InvestmentTrancheViews,
    InvestmentViews,
    OverAllocationViews,
    ParkViews,
    ProjectFundsView,
)

app_name = "funds"

urlpatterns = [
    *FundAllocationViews.urls(),
    *OverAllocationViews.urls(),
    *FundTransactionViews.urls(),
    *DonationViews.urls(),
    *ParkViews.urls(),
    *InvestmentViews.urls(),
    *InvestmentTrancheViews.urls(),
    *ConsumptionSupportViews.urls(),
    path("projects/<int:pk>/", ProjectFundsView.as_view(), name="project_funds"),
]
