from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts.views import home
from aidtrack.core import health
from aidtrack.core.suggest import ReferenceSuggestView

api_v1 = [
    path("", include("aidtrack.api_router")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file: the CSP runs no inline script.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api:schema", template_name="api/swagger_ui.html"
        ),
        name="docs",
    ),
]

urlpatterns = [
    path("", home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("accounts.urls")),
    path("pairings/", include("pairings.urls")),
    path("cadres/", include("cadres.urls")),
    path("projects/", include("projects.urls")),
    path("assessments/", include("assessments.urls")),
    path("funds/", include("funds.urls")),
    path("imports/", include("aidtrack.core.imports.urls")),
    path("suggest/<str:model_label>/", ReferenceSuggestView.as_view(), name="reference_suggest"),
    path("api/v1/", include((api_v1, "api"))),
    path("admin/", admin.site.urls),
]

handler403 = "aidtrack.core.views_errors.permission_denied"
handler404 = "aidtrack.core.views_errors.page_not_found"
handler500 = "aidtrack.core.views_errors.server_error"

# No /media/ here, not even in development: uploaded files are handed out only by
# the scoped download pages and API actions (aidtrack.core.files).
