"""A view's ``extra_query_params`` (core.params): documented and accepted, nothing more.

The change feed's ``after`` and ``resource`` are the kind: parameters a view
reads itself. This module is its own URLconf with one such view.
"""

import pytest
from django.urls import include, path
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.routers import DefaultRouter
from rest_framework.test import APIClient

from aidtrack.core.testing import ADMIN
from pairings.api import RegionViewSet


class ProbeViewSet(RegionViewSet):
    extra_query_params = (
        "after",
        OpenApiParameter("resource", OpenApiTypes.STR, OpenApiParameter.QUERY, enum=["regions"]),
    )


router = DefaultRouter()
router.register("probes", ProbeViewSet, basename="probe")
urlpatterns = [path("api/v1/", include((router.urls, "api")))]

pytestmark = pytest.mark.urls(__name__)


def _api(world):
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Token {world.token(ADMIN)}")
    return client


def test_extra_parameters_are_documented_on_the_views_reads():
    document = SchemaGenerator(urlconf=__name__).get_schema(request=None, public=True)
    operations = document["paths"]
    for read in ("/api/v1/probes/", "/api/v1/probes/{id}/"):
        names = {p["name"] for p in operations[read]["get"]["parameters"] if p["in"] == "query"}
        assert {"after", "resource"} <= names


def test_extra_parameters_are_accepted_and_others_still_refused(world):
    client = _api(world)
    response = client.get("/api/v1/probes/", {"after": "x", "resource": "regions", "q": "广"})
    assert response.status_code == 200, response.content
    response = client.get("/api/v1/probes/", {"afterr": "x"})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"afterr"}
