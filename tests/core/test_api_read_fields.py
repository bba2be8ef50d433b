"""A read answered in JSON does not scope the related fields' choices; everything else does.

``ValidatedModelSerializer.get_fields`` scopes each related field's queryset
to the user (a write may only reference records in scope). A GET or HEAD
answered by our JSON renderer reads no queryset of a related field, and
scoping them cost a coordinator up to 10 ms per request, so it is skipped
there, and only there.
"""

import pytest
from rest_framework.renderers import BrowsableAPIRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from aidtrack.core.api_defaults import FastJSONRenderer
from pairings.models import Pairing
from projects.api import ProjectSerializer


def _pairing_queryset(user, method, renderer):
    request = Request(getattr(APIRequestFactory(), method)("/api/v1/projects/"))
    request.user = user
    if renderer is not None:
        request.accepted_renderer = renderer
    return ProjectSerializer(context={"request": request}).fields["pairing"].queryset


def test_a_json_read_leaves_the_choices_unscoped(world):
    coordinator = world.user("coordinator")
    queryset = _pairing_queryset(coordinator, "get", FastJSONRenderer())
    assert set(queryset.all()) == set(Pairing.objects.all())


@pytest.mark.parametrize(
    ("method", "renderer"),
    [
        ("post", FastJSONRenderer()),
        ("patch", FastJSONRenderer()),
        ("options", FastJSONRenderer()),
        ("get", BrowsableAPIRenderer()),  # its forms list the choices (development)
        ("get", None),  # before content negotiation, or outside a view
    ],
)
def test_anything_else_scopes_them(world, method, renderer):
    coordinator = world.user("coordinator")
    queryset = _pairing_queryset(coordinator, method, renderer)
    in_scope = set(Pairing.objects.for_user(coordinator))
    assert set(queryset) <= in_scope and in_scope < set(Pairing.objects.all())


def test_a_write_still_refuses_a_pairing_out_of_scope(world, client):
    coordinator = world.user("coordinator")
    outside = Pairing.objects.exclude(pk__in=Pairing.objects.for_user(coordinator)).first()
    answer = client.post(
        "/api/v1/projects/",
        {"pairing": outside.pk, "name": "x", "year": 2024},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {world.token('coordinator')}",
    )
    assert answer.status_code == 400
    assert "pairing" in answer.json()["errors"]
