"""The organisations in scope come with the user (aidtrack.core.orgscope): same rows, no query.

Loaded in the query that loads the user (session backend, token
authentication), they reach each list as literal ids; any other set of
pairing ids falls back to the subquery. Both must be the rule exactly.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.choices import Role
from accounts.models import User
from accounts.services import api_token_create
from aidtrack.core.orgscope import ScopeIds
from cadres.models import Person
from pairings.models import Organization, Pairing
from tests.cadres.test_people import make_person
from tests.factories import UserFactory
from tests.pairings.test_scope_predicates import _by_the_old_rule

SCOPES = ["gd-gz", "zs-lps", "zsg-sc", "th-xqg"]


def _organisations_everywhere(world):
    for key in ("zsg", "nq", "sc", "lz", "xqg", "th", "gz", "zs", "gd", "gzh", "by", "bj"):
        Organization.objects.get_or_create(
            name=f"{world.regions[key].name}测试单位", region=world.regions[key], kind="government"
        )


def _coordinator_of(world, scope: str) -> User:
    user = UserFactory(username=f"coord-{scope}", role=Role.COORDINATOR)
    user.scope_pairings.set([world.pairings[scope]])
    return user


@pytest.mark.parametrize("scope", SCOPES)
def test_the_organisations_loaded_with_the_user_are_the_rule(world, scope):
    _organisations_everywhere(world)
    user = _coordinator_of(world, scope)
    expected = _by_the_old_rule(Pairing.objects.descendant_ids([world.pairings[scope].pk]))
    assert expected

    loaded = User.objects.with_scope().get(pk=user.pk)
    with CaptureQueriesContext(connection) as queries:
        pairing_ids = loaded.pairing_ids_in_scope()
        condition = Organization.scope_q(pairing_ids)
    assert len(queries) == 0
    assert isinstance(pairing_ids, ScopeIds)
    assert pairing_ids.organizations.ids() == expected
    assert set(Organization.objects.filter(condition).values_list("pk", flat=True)) == expected
    # The subquery (pairing ids without organisations) admits the same rows.
    plain = frozenset(pairing_ids)
    assert (
        set(Organization.objects.filter(Organization.scope_q(plain)).values_list("pk", flat=True))
        == expected
    )


@pytest.mark.parametrize("scope", SCOPES)
def test_people_in_scope_are_the_same_loaded_or_not(world, scope):
    _organisations_everywhere(world)
    for index, organization in enumerate(Organization.objects.order_by("pk")):
        make_person(world, index=index, home_organization=organization)
    user = _coordinator_of(world, scope)
    loaded = User.objects.with_scope().get(pk=user.pk)
    recomputed = User.objects.get(pk=user.pk)  # no preload: the subquery
    assert recomputed.pairing_ids_in_scope().__class__ is frozenset
    assert Person.objects.count() > 1
    by_list = set(Person.objects.for_user(loaded).values_list("pk", flat=True))
    by_subquery = set(Person.objects.for_user(recomputed).values_list("pk", flat=True))
    assert by_list == by_subquery
    if scope == "gd-gz":
        assert by_list == set(Person.objects.values_list("pk", flat=True))


def test_a_token_brings_the_organisations_too(world):
    _organisations_everywhere(world)
    user = _coordinator_of(world, "zs-lps")
    _token, key = api_token_create(user=user, can_write=False, days=30)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = api.get("/api/v1/organizations/", {"page_size": 500})
    assert response.status_code == 200
    names = {row["name"] for row in response.json()["results"]}
    expected = set(
        Organization.objects.filter(
            pk__in=_by_the_old_rule(Pairing.objects.descendant_ids([world.pairings["zs-lps"].pk]))
        ).values_list("name", flat=True)
    )
    assert names == expected


def test_forgetting_the_scope_drops_the_loaded_organisations(world):
    _organisations_everywhere(world)
    user = User.objects.with_scope().get(pk=_coordinator_of(world, "zs-lps").pk)
    assert user.pairing_ids_in_scope().organizations is not None
    user.forget_scope()
    assert getattr(user.pairing_ids_in_scope(), "organizations", None) is None


@pytest.mark.parametrize("list_name", ["cadres:person_list", "cadres:carerecord_list"])
def test_a_coordinator_with_organisations_runs_the_queries_an_administrator_does(
    world, client, list_name
):
    _organisations_everywhere(world)
    counts = {}
    for user in (world.user("admin"), _coordinator_of(world, "gd-gz")):
        client.force_login(user)
        client.get(reverse(list_name))
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse(list_name)).status_code == 200
        counts[user.role] = len(queries)
    assert counts[Role.COORDINATOR] == counts[Role.ADMINISTRATOR], counts


# --- the scope kept between requests, under the database's scope mark ----------------


def _organisation_ids_seen(client, url="/api/v1/organizations/"):
    response = client.get(url, {"page_size": 500})
    assert response.status_code == 200
    return {row["id"] for row in response.json()["results"]}


def _signed_in(world, scope):
    client = APIClient()
    client.force_login(_coordinator_of(world, scope))
    return client


def test_a_cached_scope_is_used_while_the_mark_holds(world):
    from aidtrack.core import orgscope

    _organisations_everywhere(world)
    client = _signed_in(world, "zs-lps")
    seen = _organisation_ids_seen(client)
    assert seen
    user = User.objects.get(username="coord-zs-lps")
    cached = orgscope.cached_scope(f"user:{user.pk}")
    assert cached is not None and cached.organization_ids.ids() == seen
    # The cache is what the request reads while the mark is current: put one
    # organisation in it alone, and only that one is shown.
    only = min(seen)
    orgscope.remember_scope(f"user:{user.pk}", cached.mark, cached.pairing_ids, [only])
    assert _organisation_ids_seen(client) == {only}


@pytest.mark.parametrize(
    "change",
    ["new organisation", "organisation moved out", "scope changed", "pairing tree changed"],
)
def test_what_moves_a_scope_moves_the_mark_and_the_next_request_sees_it(world, change):
    _organisations_everywhere(world)
    client = _signed_in(world, "zs-lps")
    user = User.objects.get(username="coord-zs-lps")
    before = _organisation_ids_seen(client)
    expected_change = None
    if change == "new organisation":
        added = Organization.objects.create(
            name="六盘水新建单位", region=world.regions["lps"], kind="government"
        )
        expected_change = before | {added.pk}
    elif change == "organisation moved out":
        moved = Organization.objects.filter(pk__in=before, region=world.regions["sc"]).first()
        Organization.objects.filter(pk=moved.pk).update(region=world.regions["th"])
        expected_change = before - {moved.pk}
    elif change == "scope changed":
        user.scope_pairings.set([world.pairings["th-xqg"]])
        expected_change = _by_the_old_rule(
            Pairing.objects.descendant_ids([world.pairings["th-xqg"].pk])
        )
    else:  # the pairing leaves the tree the coordinator's scope covers
        pairing = world.pairings["zs-lps"]
        child = Pairing.objects.filter(parent=pairing).first()
        if child is None:
            pytest.skip("the test tree has no pairing below 中山→六盘水")
        Pairing.objects.filter(pk=child.pk).update(parent=None)
        expected_change = _by_the_old_rule(Pairing.objects.descendant_ids([pairing.pk]))
    assert _organisation_ids_seen(client) == expected_change


def test_a_token_keeps_its_scope_between_requests_and_sees_changes(world):
    _organisations_everywhere(world)
    user = _coordinator_of(world, "zs-lps")
    _token, key = api_token_create(user=user, can_write=False, days=30)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    first = _organisation_ids_seen(api)
    with CaptureQueriesContext(connection) as queries:
        assert _organisation_ids_seen(api) == first
    again = len(queries)
    added = Organization.objects.create(
        name="六盘水又一单位", region=world.regions["lps"], kind="government"
    )
    with CaptureQueriesContext(connection) as queries:
        assert _organisation_ids_seen(api) == first | {added.pk}
    # The mark moved: the scope is read again, by one more query, and cached.
    assert len(queries) == again + 1
    with CaptureQueriesContext(connection) as queries:
        assert _organisation_ids_seen(api) == first | {added.pk}
    assert len(queries) == again
