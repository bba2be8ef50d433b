"""Generated access tests for teams, members, check-ins, leave, mentorships, awards, care."""

from datetime import date

from aidtrack.core.testing import ObjectAccessTests, TransitionTests
from cadres.models import Award, CareRecord, Deployment, Mentorship, TeamMember
from cadres.views import (
    AwardViews,
    CareRecordViews,
    CheckInViews,
    LeaveRequestViews,
    MentorshipViews,
    TeamMemberViews,
    TeamViews,
)
from tests.cadres.conftest import (
    make_check_in,
    make_leave_request,
    make_member,
    make_team,
)
from tests.cadres.test_deployments import host, make_deployment
from tests.cadres.test_people import make_person

APPRENTICES = "王小明,水城区人民医院\n李小红,水城区人民医院\n赵小刚,水城区人民医院"


class TestTeamAccess(ObjectAccessTests):
    views = TeamViews
    api_url = "api:team"
    update_changes = {"name": "中山市前方工作组"}

    def make_object(self, world, in_scope, index=0):
        return make_team(world, in_scope, index)

    def create_data(self, world, in_scope):
        return {
            "pairing": (world.in_scope_pairing if in_scope else world.out_of_scope_pairing).pk,
            "kind": "front_working_group",
            "name": "前方工作组",
            "host_organization": host(world, in_scope).pk,
            "start_date": "2021-11-01",
        }


class TestTeamMemberAccess(ObjectAccessTests):
    views = TeamMemberViews
    api_url = "api:teammember"
    update_changes = {"subgroup": "党政干部组"}

    def make_object(self, world, in_scope, index=0):
        return make_member(world, in_scope, index)

    def create_data(self, world, in_scope):
        team = make_team(world, in_scope, 50)
        deployment = make_deployment(world, in_scope, 50, pairing=team.pairing)
        return {"team": team.pk, "person": deployment.person.pk, "role": "member"}


class TestCheckInAccess(ObjectAccessTests):
    views = CheckInViews
    api_url = "api:checkin"
    update_changes = {"note": "有点感冒"}

    def make_object(self, world, in_scope, index=0):
        return make_check_in(world, in_scope, index)

    def create_data(self, world, in_scope):
        person = make_person(world, in_scope, 60)
        return {"person": person.pk, "date": "2024-03-02", "slot": "evening", "state": "unwell"}


class TestLeaveRequestAccess(ObjectAccessTests, TransitionTests):
    views = LeaveRequestViews
    api_url = "api:leaverequest"
    update_changes = {"reason": "家中有事"}
    # Run by a coordinator in scope, who may decide for any team of their
    # pairings; the team's own leader decides on the phone page (test_leave_and_care).
    steps = {"approve": {"comment": "同意"}, "reject": {"comment": "任务紧,请调整时间"}}

    def make_object(self, world, in_scope, index=0):
        return make_leave_request(world, in_scope, index)

    def ready_object(self, world, transition, in_scope=True):
        """A pending request of a team that has a leader, as in real teams."""
        leave_request = super().ready_object(world, transition, in_scope)
        leader = make_person(world, in_scope, 99)
        team = leave_request.team
        deployment = leave_request.person.deployments.get()
        Deployment.objects.create(
            person=leader,
            pairing=team.pairing,
            kind=deployment.kind,
            host_organization=deployment.host_organization,
            post="队长",
            start_date=deployment.start_date,
            planned_end_date=deployment.planned_end_date,
        )
        TeamMember.objects.create(team=team, person=leader, role="leader")
        return leave_request

    def create_data(self, world, in_scope):
        member = make_member(world, in_scope, 70)
        return {
            "person": member.person.pk,
            "team": member.team.pk,
            "start_date": "2022-05-01",
            "end_date": "2022-05-03",
            "reason": "体检",
        }


class TestMentorshipAccess(ObjectAccessTests):
    views = MentorshipViews
    api_url = "api:mentorship"
    update_changes = {"goals": "独立完成冠脉造影"}

    def make_object(self, world, in_scope, index=0):
        return Mentorship.objects.create(
            mentor=make_person(world, in_scope, index),
            subject="心内科",
            apprentices=APPRENTICES,
            start_date=date(2022, 3, 1),
        )

    def create_data(self, world, in_scope):
        return {
            "mentor": make_person(world, in_scope, 80).pk,
            "subject": "泌尿外科",
            "apprentices": APPRENTICES,
            "start_date": "2022-03-01",
        }


class TestAwardAccess(ObjectAccessTests):
    views = AwardViews
    api_url = "api:award"
    update_changes = {"issuer": "中共中山市委组织部"}

    def make_object(self, world, in_scope, index=0):
        return Award.objects.create(
            person=make_person(world, in_scope, index),
            title="粤黔协作工作突出个人",
            level="provincial",
            year=2022,
        )

    def create_data(self, world, in_scope):
        return {
            "person": make_person(world, in_scope, 90).pk,
            "title": "担当作为先进个人",
            "level": "city",
            "year": 2023,
        }


class TestCareRecordAccess(ObjectAccessTests):
    views = CareRecordViews
    api_url = "api:carerecord"
    update_changes = {"note": "复查正常"}

    def make_object(self, world, in_scope, index=0):
        return CareRecord.objects.create(
            person=make_person(world, in_scope, index),
            kind="health_check",
            date=date(2023, 5, 1),
        )

    def create_data(self, world, in_scope):
        return {
            "person": make_person(world, in_scope, 95).pk,
            "kind": "insurance",
            "date": "2023-06-01",
            "note": "意外伤害保险",
        }
