"""Scope predicates are subqueries on pairing ids: no query of their own, same rows as the rule.

Organisations are in scope when they lie in a side region of one of the
user's pairings (or are a side); people through their home organisation.
``Region.path`` (kept by a trigger) makes "lies in" one indexed lookup.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aidtrack.core.testing import ADMIN, COORDINATOR
from cadres.models import Person
from pairings.models import Organization, Pairing, Region
from tests.factories import region


def test_region_path_runs_from_the_province_down(world):
    township = world.regions["zsg"]
    assert township.__class__.objects.get(pk=township.pk).path == [
        world.regions["gd"].pk,
        world.regions["zs"].pk,
        township.pk,
    ]
    # Written by the database whoever inserts the row (bulk or not).
    new = region("442000010", "新测试街道", world.regions["zs"])
    assert Region.objects.get(pk=new.pk).path == [
        world.regions["gd"].pk,
        world.regions["zs"].pk,
        new.pk,
    ]


def _by_the_old_rule(pairing_ids) -> set[int]:
    """The rule as it was written before: full-name prefixes of the side regions."""
    pairings = Pairing.objects.filter(pk__in=pairing_ids)
    in_scope = set()
    for organization in Organization.objects.select_related("region"):
        for pairing in pairings:
            sides = (pairing.helping_region, pairing.helped_region)
            if any(organization.region.is_within(side) for side in sides) or organization.pk in (
                pairing.helping_organization_id,
                pairing.helped_organization_id,
            ):
                in_scope.add(organization.pk)
    return in_scope


@pytest.mark.parametrize("scope", ["zs-lps", "zsg-sc", "gd-gz", "th-xqg"])
def test_organisation_scope_is_the_rule(world, scope):
    for key in ("zsg", "nq", "sc", "lz", "xqg", "th", "gz", "zs", "gd", "gzh"):
        Organization.objects.get_or_create(
            name=f"{world.regions[key].name}测试单位", region=world.regions[key], kind="government"
        )
    ids = Pairing.objects.descendant_ids([world.pairings[scope].pk])
    expected = _by_the_old_rule(ids)
    assert expected  # the case is not vacuous
    with CaptureQueriesContext(connection) as queries:
        condition = Organization.scope_q(ids)
    assert len(queries) == 0  # a subquery, run with the list it filters
    assert set(Organization.objects.filter(condition).values_list("pk", flat=True)) == expected
    assert set(Organization.objects.filter(Organization.scope_q(frozenset()))) == set()


@pytest.mark.parametrize(
    "list_name", ["cadres:person_list", "cadres:checkin_list", "cadres:deployment_list"]
)
def test_a_scoped_list_runs_the_queries_an_administrators_does(world, client, list_name):
    counts = {}
    for role in (ADMIN, COORDINATOR):
        client.force_login(world.user(role))
        client.get(reverse(list_name))
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse(list_name)).status_code == 200
        counts[role] = len(queries)
    assert counts[COORDINATOR] == counts[ADMIN], counts


def test_the_scope_comes_with_the_user(world, client):
    from accounts.models import User

    coordinator = User.objects.with_scope().get(pk=world.user(COORDINATOR).pk)
    with CaptureQueriesContext(connection) as queries:
        scope = coordinator.pairing_ids_in_scope()
    assert len(queries) == 0
    assert scope == Pairing.objects.descendant_ids([world.pairings["zs-lps"].pk])
    # Dropped and read again after a change of scope.
    coordinator.forget_scope()
    assert coordinator.pairing_ids_in_scope() == scope
    assert Person.objects.for_user(coordinator).count() == 0


def test_a_token_brings_its_scope_too(world):
    from rest_framework.test import APIClient

    counts = {}
    for role in (ADMIN, COORDINATOR):
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Token {world.token(role)}")
        api.get("/api/v1/people/")
        with CaptureQueriesContext(connection) as queries:
            assert api.get("/api/v1/people/").status_code == 200
        counts[role] = len(queries)
    assert counts[COORDINATOR] == counts[ADMIN], counts
