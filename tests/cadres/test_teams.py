"""Teams: the member rules, the team page with today's check-ins, and the hub tab."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from cadres.models import CheckIn, Person, TeamMember
from cadres.services import deployment_complete, deployment_start
from pairings.models import Organization
from tests.cadres.conftest import make_member, make_on_post_member, make_team
from tests.cadres.test_deployments import make_deployment
from tests.cadres.test_people import make_person


def api_as(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_member_without_a_deployment_is_refused_in_form_and_api(world, client):
    team = make_team(world)
    person = make_person(world, True, 1)  # never deployed
    data = {"team": team.pk, "person": person.pk, "role": "member", "subgroup": "医生组"}
    client.force_login(world.user("coordinator"))
    response = client.post("/cadres/team-members/add/", data)
    assert response.status_code == 400
    assert person.name in str(response.context["form"].errors["person"])  # names who
    answer = api_as(world.user("coordinator")).post("/api/v1/team-members/", data, format="json")
    assert answer.status_code == 400 and "person" in answer.json()["errors"]
    assert not TeamMember.objects.exists()


def test_the_deployment_may_be_below_the_team_pairing_but_must_overlap_its_period(world):
    team = make_team(world, pairing=world.pairings["zs-lps"], start_date=date(2023, 1, 1))
    # Deployed under 中山港街道 → 水城区 (below 中山 → 六盘水), but only in 2021–2022.
    early = make_deployment(
        world, True, 2, start_date=date(2021, 1, 1), planned_end_date=date(2022, 12, 31)
    )
    member = TeamMember(team=team, person=early.person)
    with pytest.raises(ValidationError) as excinfo:
        member.full_clean()
    assert "person" in excinfo.value.message_dict
    overlapping = make_deployment(
        world, True, 3, start_date=date(2022, 6, 1), planned_end_date=date(2024, 6, 1)
    )
    TeamMember(team=team, person=overlapping.person).full_clean()
    # Under another pairing tree: refused even when the dates fit.
    elsewhere = make_deployment(
        world, False, 4, start_date=date(2023, 1, 1), planned_end_date=date(2024, 1, 1)
    )
    with pytest.raises(ValidationError):
        TeamMember(team=team, person=elsewhere.person).full_clean()


def test_membership_must_lie_in_the_team_period_and_its_deployment(world):
    team = make_team(world, start_date=date(2021, 7, 1), end_date=date(2023, 6, 30))
    deployment = make_deployment(world, True, 5)  # 2021-07-01 … 2023-06-30
    member = TeamMember(team=team, person=deployment.person, joined_on=date(2021, 1, 1))
    with pytest.raises(ValidationError) as excinfo:
        member.full_clean()
    assert "joined_on" in excinfo.value.message_dict
    member.joined_on, member.left_on = date(2022, 1, 1), date(2021, 12, 1)
    with pytest.raises(ValidationError) as excinfo:
        member.full_clean()
    assert "left_on" in excinfo.value.message_dict


def test_one_person_once_per_team_and_one_leader(world, client):
    member = make_member(world, True, 6, role="leader")
    client.force_login(world.user("coordinator"))
    again = client.post(
        "/cadres/team-members/add/",
        {"team": member.team.pk, "person": member.person.pk, "role": "member"},
    )
    assert again.status_code == 400 and again.context["form"].non_field_errors()
    other = make_deployment(world, True, 7)
    second_leader = TeamMember(team=member.team, person=other.person, role="leader")
    with pytest.raises(ValidationError):
        second_leader.full_clean()
    assert TeamMember.objects.count() == 1


def test_mission_heads_only_in_missions_and_a_local_administrative_head(world, client):
    medical = make_team(world, index=1)
    deployment = make_deployment(world, True, 8)
    with pytest.raises(ValidationError) as excinfo:
        TeamMember(team=medical, person=deployment.person, role="technical_head").full_clean()
    assert "role" in excinfo.value.message_dict

    mission = make_team(world, index=2, kind="science_mission", name="国家级科技特派团")
    TeamMember.objects.create(team=mission, person=deployment.person, role="technical_head")
    # The administrative head is a county leader of the helped side, not deployed.
    county = Organization.objects.create(
        name="水城区委", kind="government", region=world.regions["sc"]
    )
    local = make_person(world, True, 9, home_organization=county)
    head = TeamMember(team=mission, person=local, role="administrative_head")
    head.full_clean()
    head.save()
    # …but an ordinary member from the helped side still needs a deployment.
    other_local = make_person(world, True, 10, home_organization=county)
    with pytest.raises(ValidationError):
        TeamMember(team=mission, person=other_local, role="member").full_clean()

    client.force_login(world.user("leader"))
    page = client.get(mission.get_absolute_url())
    assert page.status_code == 200 and not page.context.get("missing_heads")
    # Nobody is deployed today (the head is local, the expert's term ended): no check-in due.
    board = page.context["board"]
    assert [row.on_post for row in board.rows] == [False, False]
    assert board.missing_morning == []
    head.delete()
    assert client.get(mission.get_absolute_url()).context["missing_heads"]


def test_team_page_shows_subgroups_and_todays_check_ins_in_constant_queries(world, client):
    team = make_team(world)
    today = timezone.localdate()
    leader = make_on_post_member(world, 11, team, role="leader", subgroup="党政干部组")
    doctor = make_on_post_member(world, 12, team, subgroup="医生组")
    CheckIn.objects.create(person=leader.person, date=today, slot="morning", state="well")
    CheckIn.objects.create(
        person=doctor.person, date=today, slot="morning", state="unwell", note="发烧"
    )
    client.force_login(world.user("coordinator"))
    url = team.get_absolute_url()
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        response = client.get(url)
    board = response.context["board"]
    assert [subgroup for subgroup, _rows in board.groups] == ["党政干部组", "医生组"]
    assert {r.person.pk for r in board.missing_evening} == {leader.person.pk, doctor.person.pk}
    assert board.missing_morning == []
    assert [r.person.pk for r in board.concerns] == [doctor.person.pk]
    assert "发烧" in response.content.decode()
    for index in range(13, 18):
        member = make_on_post_member(world, index, team, subgroup="教师组")
        CheckIn.objects.create(person=member.person, date=today, slot="evening")
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_api_teams_count_members_link_them_and_filter_by_pairing_tree(world):
    member = make_member(world, True, 20, subgroup="教师组")
    api = api_as(world.user("coordinator"))
    body = api.get("/api/v1/teams/", {"pairing": world.pairings["zs-lps"].pk}).json()
    assert [team["id"] for team in body["results"]] == [member.team.pk]
    team = body["results"][0]
    assert "members" not in team
    assert team["member_count"] == 1
    assert team["members_url"] == f"http://testserver/api/v1/team-members/?team={member.team.pk}"
    listed = api.get(team["members_url"]).json()["results"]
    assert [(m["person"], m["subgroup"]) for m in listed] == [(member.person.pk, "教师组")]
    detail = api.get(f"/api/v1/teams/{member.team.pk}/").json()
    assert detail["member_count"] == 1
    nested = api.get(f"/api/v1/teams/{member.team.pk}/members/").json()
    assert nested[0]["person"] == member.person.pk
    assert (
        api.get("/api/v1/teams/", {"pairing": world.pairings["gz-bj"].pk}).json()["results"] == []
    )


def test_hub_people_tab(world, client):
    today = timezone.localdate()
    team = make_team(world, name="中山市前方工作组")
    on_post = make_on_post_member(world, 21, team).person
    ending = make_deployment(
        world,
        True,
        22,
        start_date=today - timedelta(days=100),
        planned_end_date=today + timedelta(days=20),
    )
    deployment_start(deployment=ending, on=ending.start_date)
    done = make_deployment(world, True, 23)
    deployment_start(deployment=done, on=done.start_date)
    deployment_complete(deployment=done, on=date(2023, 6, 30))
    outside = make_deployment(
        world,
        False,
        24,
        start_date=today - timedelta(days=10),
        planned_end_date=today + timedelta(days=10),
    )
    deployment_start(deployment=outside, on=outside.start_date)  # out of scope

    client.force_login(world.user("coordinator"))
    url = f"/pairings/pairings/{world.pairings['zs-lps'].pk}/?tab=people"
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        response = client.get(url)
    assert response.status_code == 200
    assert response.context["summary"]["total"] == 2
    listed = {d.person.pk for d in response.context["on_post"]}
    assert listed == {on_post.pk, ending.person.pk}
    assert response.context["on_post"].count == 2
    assert [d.pk for d in response.context["ending_soon"]] == [ending.pk]
    assert [t.pk for t in response.context["teams"]] == [team.pk]
    assert "中山市前方工作组" in response.content.decode()
    for index in range(25, 30):
        make_on_post_member(world, index, team)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).context["summary"]["total"] == 7
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
    # Out of scope: the pairing's page (and tab) is a 404.
    assert (
        client.get(f"/pairings/pairings/{world.pairings['th-xqg'].pk}/?tab=people").status_code
        == 404
    )


def test_person_page_lists_team_memberships(world, client):
    member = make_member(world, True, 30, subgroup="医生组")
    client.force_login(world.user("leader"))
    response = client.get(Person.objects.get(pk=member.person.pk).get_absolute_url())
    assert member.team.name in response.content.decode()
