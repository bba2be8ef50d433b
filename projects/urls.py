from django.urls import path

from projects.models import Need, OutcomeReport, Project
from projects.views import (
    IndicatorViews,
    NeedActionView,
    NeedBoardView,
    NeedViews,
    OutcomeEvidenceViews,
    OutcomeReportActionView,
    OutcomeReportViews,
    ProgressEntryView,
    ProgressUpdateViews,
    ProjectActionView,
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
    # After the generic pages, so "edit", "delete" and "history" keep their own views.
    path(
        "projects/<int:pk>/<slug:transition>/",
        ProjectActionView.as_view(model=Project, config=ProjectViews),
        name="project_action",
    ),
    path(
        "outcome-reports/<int:pk>/<slug:transition>/",
        OutcomeReportActionView.as_view(model=OutcomeReport, config=OutcomeReportViews),
        name="outcomereport_action",
    ),
    path(
        "needs/<int:pk>/<slug:transition>/",
        NeedActionView.as_view(model=Need, config=NeedViews),
        name="need_action",
    ),
]
