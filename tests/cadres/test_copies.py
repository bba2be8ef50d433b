"""The columns copied for scope (aidtrack.core.copies): a person's home organisation on their
check-ins, care records, awards and mentorships, a team's pairing on its members, an
agreement's pairing on its targets.

Each copy must stay what the join would read, however the rows are written and
whichever parent moves, so that the scope read from the row is the scope read
through the person or the team.
"""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from aidtrack.core import audit, paging, scoping, views
from aidtrack.core.bulk import copy_insert
from aidtrack.core.testing import COORDINATOR, LEADER
from cadres.filters import TeamMemberFilterSet
from cadres.models import (
    Award,
    CareRecord,
    CheckIn,
    LeaveRequest,
    Mentorship,
    Person,
    Team,
    TeamMember,
)
from cadres.tables import TeamMemberTable
from pairings.models import Agreement, AgreementTarget, Organization
from tests.cadres.conftest import make_leave_request, make_member, make_team
from tests.cadres.test_people import make_person, organisation

DAY = date(2024, 3, 1)


def records_of(person) -> dict:
    """One record of each kind belonging to ``person``, written through the ORM."""
    return {
        CheckIn: CheckIn.objects.create(person=person, date=DAY, slot="morning"),
        CareRecord: CareRecord.objects.create(person=person, kind="health_check", date=DAY),
        Award: Award.objects.create(person=person, title="突出个人", level="city", year=2024),
        Mentorship: Mentorship.objects.create(
            mentor=person, apprentices="王小明,水城区人民医院", start_date=DAY
        ),
    }


def copied_organizations(records: dict) -> set:
    return {
        model.objects.values_list("home_organization_id", flat=True).get(pk=record.pk)
        for model, record in records.items()
    }


def visible(user, records: dict) -> set:
    return {
        model
        for model, record in records.items()
        if model.objects.for_user(user, scoping.VIEW).filter(pk=record.pk).exists()
    }


def through_the_person(model, user):
    """The records the scope admitted through the join to the person, before the copy."""
    lookup = "mentor" if model is Mentorship else "person"
    people = Person.objects.filter(Person.scope_q(user.pairing_ids_in_scope(scoping.VIEW)))
    return set(model.objects.filter(**{f"{lookup}__in": people}).values_list("pk", flat=True))


def test_the_home_organisation_is_copied_however_a_record_is_written(world):
    person = make_person(world)
    home = person.home_organization_id
    records = records_of(person)
    many = CheckIn.objects.bulk_create(
        [CheckIn(person=person, date=date(2024, 3, n), slot="evening") for n in (2, 3)]
    )
    copied = [CareRecord(person=person, kind="insurance", date=DAY)]
    copied[0].stamp_authorship()
    with audit.audit_context(world.user(COORDINATOR), source="import", request_id="copy"):
        copy_insert(copied)
    assert copied_organizations(records) == {home}
    assert set(
        CheckIn.objects.filter(pk__in=[c.pk for c in many]).values_list(
            "home_organization_id", flat=True
        )
    ) == {home}
    assert CareRecord.objects.get(pk=copied[0].pk).home_organization_id == home


def test_the_records_follow_a_person_moved_out_of_the_scope_and_back(world):
    coordinator = world.user(COORDINATOR)
    person = make_person(world)
    records = records_of(person)
    assert visible(coordinator, records) == set(records)

    elsewhere = organisation(world, in_scope=False)
    person.home_organization = elsewhere
    person.save()
    assert copied_organizations(records) == {elsewhere.pk}
    coordinator.forget_scope()
    assert visible(coordinator, records) == set()

    Person.objects.filter(pk=person.pk).update(home_organization=organisation(world, True))
    coordinator.forget_scope()
    assert visible(coordinator, records) == set(records)


def test_an_organisation_moved_to_another_region_moves_its_peoples_records(world):
    """The copy is the organisation, not its region: the scope follows the region as before."""
    coordinator = world.user(COORDINATOR)
    records = records_of(make_person(world))
    home = organisation(world, in_scope=True)
    home.region = world.regions["dF"]
    home.save()
    coordinator.forget_scope()
    assert visible(coordinator, records) == set()
    Organization.objects.filter(pk=home.pk).update(region=world.regions["lz"])
    coordinator.forget_scope()
    assert visible(coordinator, records) == set(records)


def test_a_copy_written_by_hand_is_put_back(world):
    person = make_person(world)
    records = records_of(person)
    elsewhere = organisation(world, in_scope=False)
    for model, record in records.items():
        model.objects.filter(pk=record.pk).update(home_organization=elsewhere)
    assert copied_organizations(records) == {person.home_organization_id}


@pytest.mark.parametrize("model", [CheckIn, CareRecord, Award, Mentorship])
def test_the_scope_read_from_the_copy_is_the_scope_through_the_person(world, model):
    coordinator = world.user(COORDINATOR)
    for index, in_scope in enumerate((True, True, False)):
        records_of(make_person(world, in_scope, index))
    scoped = set(model.objects.for_user(coordinator, scoping.VIEW).values_list("pk", flat=True))
    assert scoped == through_the_person(model, coordinator)
    assert len(scoped) == 2


@pytest.mark.parametrize("model", [TeamMember, LeaveRequest])
def test_a_teams_rows_carry_its_pairing_and_follow_it(world, model):
    coordinator = world.user(COORDINATOR)
    row = make_member(world) if model is TeamMember else make_leave_request(world)
    team = row.team
    assert model.objects.get(pk=row.pk).pairing_id == team.pairing_id
    assert model.objects.for_user(coordinator, scoping.VIEW).filter(pk=row.pk).exists()

    Team.objects.filter(pk=team.pk).update(pairing=world.out_of_scope_pairing)
    assert model.objects.get(pk=row.pk).pairing_id == world.out_of_scope_pairing.pk
    coordinator.forget_scope()
    assert not model.objects.for_user(coordinator, scoping.VIEW).filter(pk=row.pk).exists()

    model.objects.filter(pk=row.pk).update(pairing=world.in_scope_pairing)
    assert model.objects.get(pk=row.pk).pairing_id == world.out_of_scope_pairing.pk


def test_a_leave_requests_scope_is_its_teams(world):
    """What the copy admits is what the join to the team admitted."""
    coordinator = world.user(COORDINATOR)
    for index, in_scope in enumerate((True, True, False)):
        make_leave_request(world, in_scope, index)
    scope = coordinator.pairing_ids_in_scope(scoping.VIEW)
    scoped = LeaveRequest.objects.for_user(coordinator, scoping.VIEW)
    assert set(scoped) == set(LeaveRequest.objects.filter(team__pairing__in=scope))
    assert scoped.count() == 2


def test_a_coordinators_team_member_pages_end_at_the_scope(world):
    """The pairing copy's (pairing, id) index bounds the API's id walk (scope_id_bound)."""
    outside = make_member(world, in_scope=False, index=0)
    team = make_team(world)
    mine = [make_member(world, team=team, index=n).pk for n in range(1, 4)]
    after = make_member(world, in_scope=False, index=9, team=outside.team)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {world.token(COORDINATOR)}")
    client.get("/api/v1/team-members/")  # warm-up: the token's last use is recorded once
    with CaptureQueriesContext(connection) as first_queries:
        first = client.get("/api/v1/team-members/", {"page_size": 2}).json()
    with CaptureQueriesContext(connection) as deep_queries:
        last = client.get(first["next"]).json()
    assert [row["id"] for row in first["results"] + last["results"]] == mine
    assert last["next"] is None and after.pk > mine[-1]
    assert len(deep_queries.captured_queries) == len(first_queries.captured_queries)
    assert "ROW(" in deep_queries.captured_queries[-1]["sql"]


def test_a_team_member_page_reads_the_members_of_its_pairings_teams(world, client, monkeypatch):
    """The list's page, newest team first, tests the member's team against the teams of the
    list's pairings (Table.page_source, scoping.parents_in_pairings); its count keeps the
    member's own column.
    The same rows in the same order, page after page, for a coordinator's scope, a filter
    within it and a leader's filter; the leader's whole list is left as it is. The scope's
    teams are made first and last, so another pairing's team lies between them."""
    city, county = world.pairings["zs-lps"], world.in_scope_pairing
    places = [county, world.out_of_scope_pairing, city, county]
    members = [("member", "医生组"), ("leader", "医生组"), ("member", "护理组")]
    for n, pairing in enumerate(places):
        inside = pairing != world.out_of_scope_pairing
        team = make_team(world, inside, n, pairing=pairing)
        for k, (role, subgroup) in enumerate(members):
            make_member(world, inside, 10 * n + k, team=team, role=role, subgroup=subgroup)
    table = TeamMemberTable(TeamMember)

    def pages(user, params):
        listed = TeamMemberFilterSet(
            params, queryset=TeamMember.objects.for_user(user, scoping.VIEW), request=None
        ).filtered
        keys, _sort = table.sort_keys(listed, None)
        expected = list(
            listed.order_by(*(key.ordering for key in keys)).values_list("pk", flat=True)
        )
        rows = table.page_source(listed, "")
        assert table.page_source(listed, "person") is listed  # another order: as it is
        walked, cursor = [], None
        while True:
            page = paging.keyset_page(rows, keys, 2, cursor, "members")
            walked += [member.pk for member in page.object_list]
            if not page.has_next:
                return walked, expected, str(rows.query)
            cursor = page.next_cursor

    coordinator, leader = world.user(COORDINATOR), world.user(LEADER)
    for user, params, size in [
        (coordinator, {}, 9),
        (coordinator, {"pairing": county.pk}, 6),
        (leader, {"pairing": city.pk}, 9),
        (leader, {}, 12),
    ]:
        walked, expected, sql = pages(user, params)
        assert walked == expected and len(expected) == size
        narrowed = bool(params) or user is coordinator
        assert '"cadres_teammember"."pairing_id" = ANY' not in sql  # replaced, or never there
        assert ('"cadres_teammember"."team_id" = ANY(ARRAY(' in sql) is narrowed

    monkeypatch.setattr(views, "PAGE_SIZES", (2, 25))
    client.force_login(coordinator)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/cadres/team-members/", {"per_page": 2})
    shown = [member.pk for member, _cells in response.context["rows"]]
    assert shown == pages(coordinator, {})[1][:2] and response.context["count"] == 9
    page_sql, count_sql = [
        query["sql"] for query in queries.captured_queries if "cadres_teammember" in query["sql"]
    ]
    assert '"cadres_teammember"."team_id" = ANY(ARRAY(' in page_sql
    assert 'ORDER BY "cadres_teammember"."pairing_id"' in count_sql


def test_a_coordinators_capped_count_walks_the_scope_columns_index(world):
    """A list's count (core.paging.capped_count) stops at the cap; for a scoped user it is
    ordered by the column the scope filters on, so the planner reads the (column, id)
    index instead of scanning the table for the cap's rows. Unscoped users keep theirs."""
    team = make_team(world)
    for n in range(1, 4):
        make_member(world, team=team, index=n)
    make_member(world, in_scope=False, index=9)
    coordinator, leader = world.user(COORDINATOR), world.user(LEADER)
    members = TeamMember.objects.for_user(coordinator, scoping.VIEW)
    ordered = scoping.scope_ordered(members, coordinator)
    with CaptureQueriesContext(connection) as queries:
        assert paging.capped_count(ordered, cap=2) == (2, True)
        assert paging.capped_count(ordered) == (3, False)
    assert 'ORDER BY "cadres_teammember"."pairing_id"' in queries.captured_queries[0]["sql"]

    check_ins = CheckIn.objects.for_user(coordinator, scoping.VIEW)
    by_home = str(scoping.scope_ordered(check_ins, coordinator).query)
    assert 'ORDER BY "cadres_checkin"."home_organization_id"' in by_home
    everyone = TeamMember.objects.for_user(leader, scoping.VIEW).order_by()
    assert not scoping.scope_ordered(everyone, leader).query.order_by
    # People have no (home organisation, id) index: their count is left unordered.
    people = Person.objects.for_user(coordinator, scoping.VIEW).order_by()
    assert not scoping.scope_ordered(people, coordinator).query.order_by


def test_agreement_targets_carry_their_agreements_pairing_and_follow_it(world):
    coordinator = world.user(COORDINATOR)
    agreement = Agreement.objects.create(pairing=world.in_scope_pairing, year=2023)
    target = AgreementTarget.objects.create(
        agreement=agreement, indicator_code="I1", indicator_name="帮扶资金", target=10, unit="万元"
    )
    assert AgreementTarget.objects.get(pk=target.pk).pairing_id == world.in_scope_pairing.pk
    assert AgreementTarget.objects.for_user(coordinator, scoping.VIEW).filter(pk=target.pk).exists()

    Agreement.objects.filter(pk=agreement.pk).update(pairing=world.out_of_scope_pairing)
    assert AgreementTarget.objects.get(pk=target.pk).pairing_id == world.out_of_scope_pairing.pk
    coordinator.forget_scope()
    visible = AgreementTarget.objects.for_user(coordinator, scoping.VIEW)
    assert not visible.filter(pk=target.pk).exists()
