"""The /api/v1/ router: each app registers its viewsets in its api.py."""

from django.urls import path
from rest_framework.routers import DefaultRouter, SimpleRouter

from accounts.api import UserViewSet
from aidtrack.core.feed_api import ChangeFeedView
from aidtrack.core.imports.api import ImportJobViewSet
from assessments import api as assessments
from cadres import api as cadres
from funds import api as funds
from pairings import api as pairings
from projects import api as projects
from publishing.api import IatiActivitiesView

# No ``users.json``-style twins of each route: the API speaks JSON only, and a format
# is not chosen by URL (the OpenAPI document, which lists every operation, has none).
# Django tries routes in order, so the twins also doubled the patterns a request for
# the last resource was tested against (about 190, 0.18 ms).
router = DefaultRouter()
router.include_format_suffixes = False
router.register("users", UserViewSet)
router.register("regions", pairings.RegionViewSet)
router.register("organizations", pairings.OrganizationViewSet)
router.register("pairings", pairings.PairingViewSet)
router.register("agreements", pairings.AgreementViewSet)
router.register("agreement-targets", pairings.AgreementTargetViewSet)
router.register("people", cadres.PersonViewSet)
router.register("deployments", cadres.DeploymentViewSet)
router.register("teams", cadres.TeamViewSet)
router.register("team-members", cadres.TeamMemberViewSet)
router.register("check-ins", cadres.CheckInViewSet)
router.register("leave-requests", cadres.LeaveRequestViewSet)
router.register("mentorships", cadres.MentorshipViewSet)
router.register("awards", cadres.AwardViewSet)
router.register("care-records", cadres.CareRecordViewSet)
router.register("indicators", projects.IndicatorViewSet)
router.register("projects", projects.ProjectViewSet)
router.register("project-progress", projects.ProgressUpdateViewSet)
router.register("project-attachments", projects.ProjectAttachmentViewSet)
router.register("outcome-reports", projects.OutcomeReportViewSet)
router.register("outcome-evidence", projects.OutcomeEvidenceViewSet)
router.register("needs", projects.NeedViewSet)
router.register("fund-allocations", funds.FundAllocationViewSet)
router.register("over-allocations", funds.OverAllocationViewSet)
router.register("fund-transactions", funds.FundTransactionViewSet)
router.register("donations", funds.DonationViewSet)
router.register("parks", funds.ParkViewSet)
router.register("investments", funds.InvestmentViewSet)
router.register("investment-tranches", funds.InvestmentTrancheViewSet)
router.register("consumption", funds.ConsumptionSupportViewSet)
router.register("assessments", assessments.AssessmentViewSet)
router.register("official-grades", assessments.OfficialGradeViewSet)

# Import jobs bring records in; they are no record resource themselves (no scope path,
# change feed, versions or filters), so they stay out of ``router.registry``, which the
# generic resource tests walk. Their own tests: tests/core/test_import_api.py.
jobs = SimpleRouter()
jobs.register("imports", ImportJobViewSet, basename="import")

urlpatterns = [
    # The change feed is one read, not a resource (core.feed_api).
    path("changes/", ChangeFeedView.as_view(), name="changes"),
    # IATI 2.03 publishing: one file, not a resource (publishing, docs/iati.md).
    path("iati/activities.xml", IatiActivitiesView.as_view(), name="iati_activities"),
    *router.urls,
    *jobs.urls,
]
