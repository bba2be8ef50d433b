from django.urls import path

from cadres.models import Deployment, LeaveRequest, Person
from cadres.views import (
    AwardViews,
    CareRecordViews,
    CheckInPageView,
    CheckInViews,
    DeploymentActionView,
    DeploymentViews,
    LeaveDecisionView,
    LeaveRequestViews,
    MentorshipViews,
    PersonRevealView,
    PersonViews,
    TeamMemberViews,
    TeamViews,
)

app_name = "cadres"

urlpatterns = [
    *PersonViews.urls(),
    *DeploymentViews.urls(),
    *TeamViews.urls(),
    *TeamMemberViews.urls(),
    *CheckInViews.urls(),
    *LeaveRequestViews.urls(),
    *MentorshipViews.urls(),
    *AwardViews.urls(),
    *CareRecordViews.urls(),
    path("check-in/", CheckInPageView.as_view(), name="checkin"),
    path(
        "people/<int:pk>/reveal/",
        PersonRevealView.as_view(model=Person, config=PersonViews),
        name="person_reveal",
    ),
    path(
        "deployments/<int:pk>/<slug:transition>/",
        DeploymentActionView.as_view(model=Deployment, config=DeploymentViews),
        name="deployment_action",
    ),
    path(
        "leave-requests/<int:pk>/<slug:decision>/",
        LeaveDecisionView.as_view(model=LeaveRequest, config=LeaveRequestViews),
        name="leaverequest_decide",
    ),
]
