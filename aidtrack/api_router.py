"""The /api/v1/ router: each app registers its viewsets in its api.py."""

from rest_framework.routers import DefaultRouter

from accounts.api import UserViewSet
from cadres.api import DeploymentViewSet, PersonViewSet
from pairings import api as pairings
from projects import api as projects

router = DefaultRouter()
router.register("users", UserViewSet)
router.register("regions", pairings.RegionViewSet)
router.register("organizations", pairings.OrganizationViewSet)
router.register("pairings", pairings.PairingViewSet)
router.register("agreements", pairings.AgreementViewSet)
router.register("agreement-targets", pairings.AgreementTargetViewSet)
router.register("people", PersonViewSet)
router.register("deployments", DeploymentViewSet)
router.register("indicators", projects.IndicatorViewSet)
router.register("projects", projects.ProjectViewSet)
router.register("project-progress", projects.ProgressUpdateViewSet)
router.register("project-attachments", projects.ProjectAttachmentViewSet)
router.register("outcome-reports", projects.OutcomeReportViewSet)
router.register("outcome-evidence", projects.OutcomeEvidenceViewSet)
router.register("needs", projects.NeedViewSet)

urlpatterns = router.urls
