"""The /api/v1/ router: each app registers its viewsets in its api.py."""

from rest_framework.routers import DefaultRouter

from accounts.api import UserViewSet
from cadres.api import DeploymentViewSet, PersonViewSet
from funds import api as funds
from pairings import api as pairings

router = DefaultRouter()
router.register("users", UserViewSet)
router.register("regions", pairings.RegionViewSet)
router.register("organizations", pairings.OrganizationViewSet)
router.register("pairings", pairings.PairingViewSet)
router.register("agreements", pairings.AgreementViewSet)
router.register("agreement-targets", pairings.AgreementTargetViewSet)
router.register("people", PersonViewSet)
router.register("deployments", DeploymentViewSet)
router.register("fund-allocations", funds.FundAllocationViewSet)
router.register("over-allocations", funds.OverAllocationViewSet)
router.register("fund-transactions", funds.FundTransactionViewSet)
router.register("donations", funds.DonationViewSet)
router.register("parks", funds.ParkViewSet)
router.register("investments", funds.InvestmentViewSet)
router.register("investment-tranches", funds.InvestmentTrancheViewSet)
router.register("consumption", funds.ConsumptionSupportViewSet)

urlpatterns = router.urls
