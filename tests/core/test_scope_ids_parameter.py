"""A scope's ids reach a list's query as one array parameter (aidtrack.core.lookups).

With one placeholder per id, a province coordinator's 2,000 organisation ids
cost every query tens of milliseconds of compiling, quoting and planning
that the leader's did not pay. The rows must be the same as with ``__in``.
"""

from unittest.mock import patch

import pytest
from django.db import connection
from django.db.models.sql.query import Query
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.models import User
from aidtrack.core.lookups import IdArray, array_literal, filter_any_id
from aidtrack.core.testing import COORDINATOR
from cadres.models import Person
from pairings.models import Organization, Pairing
from projects.filters import ProjectFilterSet
from projects.models import Indicator, OutcomeReport, Project
from tests.factories import ProjectFactory


def _params(queryset) -> tuple:
    return queryset.query.get_compiler(connection=connection).as_sql()[1]


def test_any_id_is_one_parameter_however_many_ids(world):
    one = Pairing.objects.filter(pk__any_id=[world.pairings["zs-lps"].pk])
    many = Pairing.objects.filter(pk__any_id=range(1, 5001))
    assert len(_params(one)) == len(_params(many)) == 1
    assert list(one) == [world.pairings["zs-lps"]]
    assert set(many) == set(Pairing.objects.filter(pk__lte=5000))
    # Through a relation, as scope paths go.
    assert _params(Project.objects.filter(pairing__any_id=range(1, 5001))) == (
        "{" + ",".join(str(i) for i in range(1, 5001)) + "}",
    )


def test_any_id_of_no_ids_runs_no_query(world):
    with CaptureQueriesContext(connection) as queries:
        assert list(Pairing.objects.filter(pk__any_id=[])) == []
    assert len(queries) == 0


def test_any_id_refuses_a_query(world):
    # It would run in Python to be written out; a subquery is __in's.
    with pytest.raises(TypeError):
        Project.objects.filter(pairing__any_id=Pairing.objects.values("pk"))


def _coordinator():
    # Loaded as a request loads it: with the organisation ids of its scope.
    return User.objects.with_scope().get(username="coord")


def _organisations(world):
    for key in ("zsg", "nq", "sc", "lz", "th", "xqg"):
        Organization.objects.create(
            name=f"{world.regions[key].name}测试单位", region=world.regions[key], kind="government"
        )


def test_a_coordinators_lists_carry_the_scope_as_one_parameter(world):
    inside = ProjectFactory(pairing=world.in_scope_pairing)
    outside = ProjectFactory(pairing=world.out_of_scope_pairing)
    _organisations(world)
    coordinator = _coordinator()
    scope = coordinator.pairing_ids_in_scope()
    organization_ids = scope.organizations.ids()
    assert len(scope) > 1 and len(organization_ids) > 1
    cases = (
        (Pairing, Pairing.objects.filter(pk__in=scope)),
        (Organization, Organization.objects.filter(pk__in=organization_ids)),
        (Project, Project.objects.filter(pairing__in=scope)),
        (Person, Person.objects.filter(home_organization__in=organization_ids)),
    )
    for model, by_the_rule in cases:
        listed = model.objects.for_user(coordinator)
        assert len(_params(listed)) == 1, model
        assert set(listed) == set(by_the_rule), model
    projects = set(Project.objects.for_user(coordinator))
    assert inside in projects and outside not in projects
    organizations = {o.region.code for o in Organization.objects.for_user(coordinator)}
    assert {"442000003", "520204"} <= organizations  # 中山港街道, 水城区
    assert not {"440106", "520502"} & organizations  # 天河区, 七星关区: another pairing


def test_a_coordinator_pages_through_exactly_the_rows_in_scope(world):
    """Every keyset page of the API, to the last, holds rows in scope and only those."""
    inside = {ProjectFactory(pairing=world.in_scope_pairing).pk for _ in range(7)}
    inside |= {ProjectFactory(pairing=world.pairings["zs-lps"]).pk for _ in range(3)}
    outside = {ProjectFactory(pairing=world.out_of_scope_pairing).pk for _ in range(5)}
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {world.token(COORDINATOR)}")
    seen, url, pages = [], "/api/v1/projects/?page_size=3", 0
    while url:
        body = api.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url, pages = body["next"], pages + 1
    assert seen == sorted(inside)  # in id order, no row twice, the deep pages included
    assert not outside & set(seen)
    assert pages == 4


def test_a_scope_is_written_out_once_for_all_of_a_requests_queries(world):
    """The scope's ids are sorted and written once (``IdArray``, ``ScopeIds.array_literal``),
    and Django does not walk them again for each filter."""
    _organisations(world)
    coordinator = _coordinator()
    scope = coordinator.pairing_ids_in_scope()
    # The ids the rule gives for these pairings (its subquery), sorted and written once.
    by_the_rule = Organization.objects.filter(Organization.scope_q(frozenset(scope)))
    expected = sorted(by_the_rule.values_list("pk", flat=True))
    assert len(expected) > 1
    assert scope.organizations.array_literal == array_literal(expected)
    assert scope.array_literal == array_literal(sorted(scope))
    with patch.object(Query, "check_query_object_type") as checked:
        people = Person.objects.for_user(coordinator)
    assert checked.call_count == 0  # Django's check of each element of an iterable value
    projects = Project.objects.for_user(coordinator)
    assert _params(people) == (scope.organizations.array_literal,)
    assert _params(projects) == (scope.array_literal,)


def test_an_id_array_holds_its_ids():
    ids = IdArray([5, 3, 3, 11])
    assert ids.array_literal == "{3,5,11}"
    assert ids.ids() == {3, 5, 11}
    assert IdArray.of(ids) is ids and bool(ids)
    assert not IdArray([]) and IdArray([]).ids() == frozenset()
    assert list(Person.objects.filter(home_organization__any_id=IdArray([]))) == []


def test_the_organisation_scope_columns_keep_a_short_common_values_list(db):
    """The planner tests a scope's 2,000 ids against this list one by one (cadres 0009)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attrelid::regclass::text, attstattarget FROM pg_attribute"
            " WHERE attname = 'home_organization_id' AND attrelid::regclass::text = ANY(%s)",
            [
                [
                    "cadres_person",
                    "cadres_checkin",
                    "cadres_carerecord",
                    "cadres_award",
                    "cadres_mentorship",
                ]
            ],
        )
        targets = dict(cursor.fetchall())
    assert len(targets) == 5 and set(targets.values()) == {10}


def _any_tests(queryset) -> int:
    return str(queryset.query).count("= ANY(")


@pytest.mark.parametrize("who", ["coord", "leader"])
def test_rows_within_pairings_are_the_scopes_rows_of_those_pairings(world, who):
    """``for_user(user, within=ids)``: the scope and the ids as one set, tested once."""
    projects = {key: ProjectFactory(pairing=pairing) for key, pairing in world.pairings.items()}
    user = User.objects.with_scope().get(username=who)
    for within in (
        Pairing.objects.descendant_ids([world.pairings["zs-lps"].pk]),  # inside the scope
        Pairing.objects.descendant_ids([world.pairings["gd-gz"].pk]),  # reaching past it
        {world.out_of_scope_pairing.pk},
        set(),
    ):
        expected = set(Project.objects.for_user(user).filter(pairing__in=within))
        listed = Project.objects.for_user(user, within=within)
        assert set(listed) == expected, within
        if listed.exists():
            assert _any_tests(listed) == 1
    inside = set(Project.objects.for_user(user, within=[world.in_scope_pairing.pk]))
    assert inside == {projects["zsg-sc"]}
    # Through a model's own scope rule (a report's subject is a pairing or a project).
    assert not set(
        OutcomeReport.objects.for_user(user, within=[world.out_of_scope_pairing.pk])
    ) - set(OutcomeReport.objects.filter(scope_pairing=world.out_of_scope_pairing))


def test_within_needs_a_model_that_belongs_to_pairings(world):
    with pytest.raises(TypeError):
        Indicator.objects.for_user(world.user(COORDINATOR), within=[1])


@pytest.mark.parametrize("who", ["coord", "leader"])
def test_a_pairing_filter_narrows_the_scopes_test_of_the_same_column(world, who):
    """``?pairing=`` on a list tests its column once, with the ids both the scope and the
    tree allow (``filter_any_id``): two tests of one column misled the planner."""
    for pairing in world.pairings.values():
        ProjectFactory(pairing=pairing)
    user = User.objects.with_scope().get(username=who)
    scoped = Project.objects.for_user(user)
    before = str(scoped.query)
    for root in (world.pairings["zs-lps"], world.pairings["gd-gz"], world.out_of_scope_pairing):
        tree = Pairing.objects.descendant_ids([root.pk])
        filtered = ProjectFilterSet({"pairing": root.pk}, queryset=scoped).qs
        expected = set(scoped.filter(pairing__in=tree))
        assert set(filtered) == expected, root
        if expected:  # else no query at all (test_disjoint_ids_keep_no_row_and_run_no_query)
            assert _any_tests(filtered) == 1, root
    assert str(scoped.query) == before  # the queryset filtered is left as it was


def test_tests_of_different_columns_stay_apart(world):
    projects = Project.objects.filter(pairing__any_id=[world.in_scope_pairing.pk])
    by_parent = filter_any_id(projects, "pairing__parent", [world.pairings["zs-lps"].pk])
    assert _any_tests(by_parent) == 2
    assert set(by_parent) == set(projects.filter(pairing__parent=world.pairings["zs-lps"]))


def test_disjoint_ids_keep_no_row_and_run_no_query(world):
    ProjectFactory(pairing=world.in_scope_pairing)
    projects = Project.objects.filter(pairing__any_id=[world.in_scope_pairing.pk])
    disjoint = filter_any_id(projects, "pairing", [world.out_of_scope_pairing.pk])
    with CaptureQueriesContext(connection) as queries:
        assert list(disjoint) == []
    assert len(queries) == 0


def test_the_api_tests_a_coordinators_pairing_filter_once(world):
    ProjectFactory(pairing=world.in_scope_pairing)
    client = APIClient()
    client.force_authenticate(User.objects.get(username="coord"))
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/projects/", {"pairing": world.pairings["zs-lps"].pk})
    assert response.status_code == 200 and response.json()["results"]
    rows = [q["sql"] for q in queries if q["sql"].startswith('SELECT "projects_project"."id"')]
    assert rows and all(sql.count("= ANY(") == 1 for sql in rows)
