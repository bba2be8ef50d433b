from django.urls import path, re_path

from cadres.models import LeaveRequest, Person
from cadres.views import (
    AwardViews,
    CareRecordViews,
    CheckInLeaveDecisionView,
    CheckInLeaveView,
    CheckInPageView,
    CheckInRecordView,
    CheckInViews,
    DeploymentViews,
    LeaveRequestViews,
    MentorshipViews,
    PersonRevealView,
    PersonViews,
    TeamMemberViews,
    TeamViews,
)

app_name = "cadres"

# The phone page's decisions are the leave request's transitions, by name.
_DECISIONS = "|".join(transition.name for transition in LeaveRequest.transitions)

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
    path("check-in/record/", CheckInRecordView.as_view(), name="checkin_record"),
    path("check-in/leave/", CheckInLeaveView.as_view(), name="checkin_leave"),
    re_path(
        rf"^check-in/leave/(?P<pk>[0-9]+)/(?P<transition>{_DECISIONS})/$",
        CheckInLeaveDecisionView.as_view(),
        name="checkin_decide",
    ),
    path(
        "people/<int:pk>/reveal/",
        PersonRevealView.as_view(model=Person, config=PersonViews),
        name="person_reveal",
    ),
]
