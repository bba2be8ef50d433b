"""Builders for teams, check-ins and the records around them.

People and deployments come from test_people / test_deployments (make_person,
make_deployment): in scope they belong to 中山港街道 → 水城区 (zsg-sc), below the
coordinator's 中山 → 六盘水; out of scope to 天河 → 七星关.
"""

from datetime import date

from django.utils import timezone

from accounts.choices import Role
from cadres.models import CheckIn, LeaveRequest, Team, TeamMember
from cadres.services import deployment_start
from tests.cadres.test_deployments import host, make_deployment
from tests.factories import UserFactory

TEAM_START = date(2021, 7, 1)


def make_team(world, in_scope=True, index=0, **fields) -> Team:
    values = {
        "pairing": world.in_scope_pairing if in_scope else world.out_of_scope_pairing,
        "kind": "medical_team",
        "name": f"{'' if in_scope else '外地'}医疗帮扶队{index}",
        "host_organization": host(world, in_scope),
        "start_date": TEAM_START,
    }
    values.update(fields)
    return Team.objects.create(**values)


def make_member(world, in_scope=True, index=0, team=None, **fields) -> TeamMember:
    """A member with a deployment under the team's pairing covering the team's period."""
    team = team or make_team(world, in_scope, index)
    deployment = make_deployment(world, in_scope, index, pairing=team.pairing)
    values = {"team": team, "person": deployment.person, "role": "member", "subgroup": "医生组"}
    values.update(fields)
    member = TeamMember(**values)
    member.full_clean()
    member.save()
    return member


def make_on_post_member(world, index, team, *, role="member", subgroup="医生组", user=None):
    """A member whose deployment is under way today, optionally with an account."""
    today = timezone.localdate()
    deployment = make_deployment(
        world,
        True,
        index,
        pairing=team.pairing,
        start_date=date(today.year - 1, 1, 1),
        planned_end_date=date(today.year + 1, 12, 31),
    )
    deployment_start(deployment=deployment, on=deployment.start_date)
    person = deployment.person
    if user is not None:
        person.user = user
        person.save()
    return TeamMember.objects.create(team=team, person=person, role=role, subgroup=subgroup)


def member_user(username: str, email: str = "") -> object:
    return UserFactory(username=username, role=Role.MEMBER, email=email)


def make_check_in(world, in_scope=True, index=0, **fields) -> CheckIn:
    from tests.cadres.test_people import make_person

    values = {
        "person": make_person(world, in_scope, index),
        "date": date(2024, 3, 1),
        "slot": "morning",
        "state": "well",
    }
    values.update(fields)
    return CheckIn.objects.create(**values)


def make_leave_request(world, in_scope=True, index=0, **fields) -> LeaveRequest:
    member = make_member(world, in_scope, index)
    values = {
        "person": member.person,
        "team": member.team,
        "start_date": date(2022, 2, 1),
        "end_date": date(2022, 2, 10),
        "reason": "春节探亲",
    }
    values.update(fields)
    return LeaveRequest.objects.create(**values)
