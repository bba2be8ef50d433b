from django.urls import path

from aidtrack.core.imports import views

app_name = "imports"

urlpatterns = [
    path("", views.JobListView.as_view(), name="job_list"),
    path("new/", views.JobAddView.as_view(), name="job_add"),
    # <model> is "app_label.model_name" (no slash); the path ends as the file does.
    path("templates/<str:model>.xlsx", views.TemplateDownloadView.as_view(), name="template"),
    path("<int:pk>/", views.JobDetailView.as_view(), name="job_detail"),
    path("<int:pk>/status/", views.JobStatusView.as_view(), name="job_status"),
    path("<int:pk>/confirm/", views.JobConfirmView.as_view(), name="job_confirm"),
    path("<int:pk>/cancel/", views.JobCancelView.as_view(), name="job_cancel"),
    path("<int:pk>/errors.xlsx", views.JobReportView.as_view(), name="job_report"),
    path("<int:pk>/file/", views.JobFileView.as_view(), name="job_file"),
]
