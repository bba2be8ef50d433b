"""The /api/v1/ router: each app registers its viewsets in its api.py."""

from rest_framework.routers import DefaultRouter

from accounts.api import UserViewSet
from assessments.api import AssessmentViewSet, OfficialGradeViewSet
from cadres.api import DeploymentViewSet, PersonViewSet
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
router.register("assessments", AssessmentViewSet)
router.register("official-grades", OfficialGradeViewSet)

urlpatterns = router.urls
