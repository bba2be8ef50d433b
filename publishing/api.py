"""``GET /api/v1/iati/activities.xml``: the caller's pairings and projects as IATI 2.03.

Scoped like every API read (a token reaches the pairings it is scoped to and
those below), filtered by the projects list's own FilterSet, refused with a
400 for an unknown parameter, and streamed a chunk of activities at a time.
"""

from django.http import Http404, StreamingHttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.negotiation import BaseContentNegotiation

from aidtrack.core import scoping
from aidtrack.core.api_defaults import FilterSetBackend
from aidtrack.core.params import StrictParametersMixin
from pairings.models import Pairing
from projects.filters import ProjectFilterSet
from projects.models import Project
from publishing.iati import export
from publishing.selection import NothingToPublish, selection_make

CONTENT_TYPE = "application/xml; charset=utf-8"


class FirstRenderer(BaseContentNegotiation):
    """Errors are JSON whatever the client accepts; the file itself bypasses renderers."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class IatiActivitiesView(StrictParametersMixin, GenericAPIView):
    """The pairings and projects you can read, as an IATI 2.03 activity file (docs/iati.md)."""

    # The model the role must be allowed to read (ScopedModelPermission), and the
    # filters documented and applied: those of the projects list.
    queryset = Project.objects.all()
    filterset_class = ProjectFilterSet
    filter_backends = [FilterSetBackend]
    pagination_class = None
    content_negotiation_class = FirstRenderer

    def get_queryset(self):
        return Project.objects.for_user(self.request.user, scoping.VIEW)

    @extend_schema(
        operation_id="iati_activities",
        filters=True,
        description=(
            "Each pairing is a parent activity (hierarchy 1), each project a child activity "
            "(hierarchy 2) with its transactions and results. `pairing` includes the pairings "
            "below it; `year` (with `from_year`) and `status` select projects as the projects "
            "list does. Streamed; valid against the IATI 2.03 schema and codelists."
        ),
        responses={
            (200, "application/xml"): OpenApiResponse(
                OpenApiTypes.STR, description=_("An IATI 2.03 iati-activities document.")
            ),
            404: OpenApiResponse(description=_("No pairing in reach to publish.")),
        },
    )
    def get(self, request):
        try:
            selection = selection_make(
                pairings=Pairing.objects.for_user(request.user, scoping.VIEW),
                projects=self.get_queryset(),
                data=request.query_params,
                request=request,
            )
        except NothingToPublish:
            raise Http404 from None
        response = StreamingHttpResponse(export(selection), content_type=CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{file_name(request)}"'
        return response


def file_name(request) -> str:
    """iati-activities-pairing-2-2021-2023.xml: what was asked for (parameters known valid)."""
    parts = ["iati-activities"]
    query = request.query_params
    if query.get("pairing"):
        parts += ["pairing", str(int(query["pairing"]))]
    if query.get("year"):  # from_year counts only with year (core.filters)
        years = [int(query[name]) for name in ("from_year", "year") if query.get(name)]
        parts += [str(year) for year in dict.fromkeys(years) if year <= int(query["year"])]
    return "-".join(parts) + ".xml"
