from django.urls import path

from projects.models import Need, OutcomeReport, Project
from projects.views import (
    IndicatorViews,
    NeedBoardView,
    NeedViews,
    OutcomeEvidenceViews,
    OutcomeReportViews,
    ProgressEntryView,
    ProgressUpdateViews,
    ProjectAttachmentViews,
    ProjectViews,
    ReviewQueueView,
)

app_name = "projects"

urlpatterns = [
    path(
        "outcome-reports/queue/",
        ReviewQueueView.as_view(model=OutcomeReport, config=OutcomeReportViews),
        name="outcomereport_queue",
    ),
    path(
        "needs/board/",
        NeedBoardView.as_view(model=Need, config=NeedViews),
        name="need_board",
    ),
    path(
        "projects/<int:pk>/progress/",
        ProgressEntryView.as_view(model=Project, config=ProjectViews),
        name="project_progress",
    ),
    *ProjectViews.urls(),
    *IndicatorViews.urls(),
    *ProgressUpdateViews.urls(),
    *ProjectAttachmentViews.urls(),
    *OutcomeReportViews.urls(),
    *OutcomeEvidenceViews.urls(),
    *NeedViews.urls(),
]
