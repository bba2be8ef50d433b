"""What a team member's account reaches (core.scoping ``own_q``), and the leave buttons."""

from datetime import date

from django.urls import reverse

from aidtrack.core import scoping
from cadres.models import CheckIn, Deployment, LeaveRequest, Person, Team
from tests.cadres.conftest import make_leave_request, make_on_post_member, make_team, member_user
from tests.cadres.test_people import make_person


def test_a_member_reads_only_themselves(world):
    team = make_team(world)
    user = member_user("doctor")
    me = make_on_post_member(world, 1, team, user=user).person
    colleague = make_on_post_member(world, 2, team).person
    CheckIn.objects.create(person=me, date=date(2024, 3, 1), slot="morning")
    CheckIn.objects.create(person=colleague, date=date(2024, 3, 1), slot="morning")
    mine = LeaveRequest.objects.create(
        person=me, team=team, start_date=date(2024, 3, 2), end_date=date(2024, 3, 3), reason="事假"
    )
    LeaveRequest.objects.create(
        person=colleague,
        team=team,
        start_date=date(2024, 3, 2),
        end_date=date(2024, 3, 3),
        reason="x",
    )

    assert list(Person.objects.for_user(user)) == [me]
    assert [c.person for c in CheckIn.objects.for_user(user)] == [me]
    assert list(LeaveRequest.objects.for_user(user)) == [mine]
    assert list(Team.objects.for_user(user)) == [team]  # the team they are in, for their leave
    # Reading only, and nothing without a person's own rows.
    for action in (scoping.ADD, scoping.CHANGE, scoping.DELETE):
        assert not Person.objects.for_user(user, action).exists()
    assert not Deployment.objects.for_user(user).exists()


def test_a_team_leader_reaches_the_current_members_of_the_teams_they_lead(world):
    team = make_team(world)
    other_team = make_team(world, index=1)
    captain = member_user("captain")
    leader = make_on_post_member(world, 3, team, role="leader", user=captain).person
    member = make_on_post_member(world, 4, team).person
    elsewhere = make_on_post_member(world, 5, other_team).person
    asked = LeaveRequest.objects.create(
        person=member, team=team, start_date=date(2024, 3, 2), end_date=date(2024, 3, 3), reason="x"
    )
    LeaveRequest.objects.create(
        person=elsewhere,
        team=other_team,
        start_date=date(2024, 3, 2),
        end_date=date(2024, 3, 3),
        reason="x",
    )
    CheckIn.objects.create(person=member, date=date(2024, 3, 1), slot="evening")
    CheckIn.objects.create(person=elsewhere, date=date(2024, 3, 1), slot="evening")

    assert set(Person.objects.for_user(captain)) == {leader, member}
    assert [c.person for c in CheckIn.objects.for_user(captain)] == [member]
    assert list(LeaveRequest.objects.for_user(captain)) == [asked]
    assert list(Team.objects.for_user(captain)) == [team]
    # A leader who has left leads no more.
    team.members.filter(person=leader).update(left_on=date(2022, 1, 1))
    assert list(Person.objects.for_user(captain)) == [leader]


def test_roles_that_read_by_pairing_are_unchanged(world):
    make_person(world, False, 6, user=member_user("outside"))
    assert not Person.objects.for_user(world.user("coordinator")).exists()
    assert Person.objects.for_user(world.user("leader")).count() == 1


def test_the_leave_buttons_are_shown_to_those_who_may_decide(world, client):
    leave_request = make_leave_request(world, True, 7)
    url = leave_request.get_absolute_url()
    approve = reverse("cadres:leaverequest_transition", args=[leave_request.pk, "approve"])
    client.force_login(world.user("coordinator"))
    links = client.get(url).context["transition_links"]
    assert [link for link, _label in links] == [
        approve,
        reverse("cadres:leaverequest_transition", args=[leave_request.pk, "reject"]),
    ]
    # A read-only leader reads the request but may not decide it: no buttons.
    client.force_login(world.user("leader"))
    page = client.get(url)
    assert page.status_code == 200 and page.context["transition_links"] == []
    assert approve not in page.content.decode()
    # Nor on the team page.
    team_page = client.get(leave_request.team.get_absolute_url())
    assert team_page.context["pending_leave"] == [(leave_request, [])]
