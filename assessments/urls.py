from django.urls import path

from assessments.views import (
    ComparisonView,
    ExportView,
    GradeThresholdViews,
    OfficialGradeViews,
    OverviewView,
    PairingAssessmentView,
    RefreshView,
    RubricItemViews,
    RubricViews,
    ScoringExplainedView,
)

app_name = "assessments"

urlpatterns = [
    path("", OverviewView.as_view(), name="overview"),
    path("pairing/<int:pk>/", PairingAssessmentView.as_view(), name="pairing"),
    path("pairing/<int:pk>/refresh/", RefreshView.as_view(), name="pairing_refresh"),
    path("compare/", ComparisonView.as_view(), name="comparison"),
    path("export/", ExportView.as_view(), name="export"),
    path("scoring/", ScoringExplainedView.as_view(), name="scoring"),
    *RubricViews.urls(),
    *RubricItemViews.urls(),
    *GradeThresholdViews.urls(),
    *OfficialGradeViews.urls(),
]
