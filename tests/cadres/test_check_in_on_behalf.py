"""A team leader's one-tap buttons record a member's check-in on their behalf (代报), and say so."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from cadres.models import CheckIn
from tests.cadres.conftest import make_on_post_member, make_team, member_user

URL = "/cadres/check-in/"
RECORD = "/cadres/check-in/record/"


def in_chinese(text: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(text)


@pytest.fixture
def crew(world):
    """A team with a leader who has an account and a doctor who has one too."""
    team = make_team(world, name="中山市援六盘水医疗队")
    leader_user = member_user("captain")
    make_on_post_member(world, 4, team, role="leader", user=leader_user)
    doctor_user = member_user("doctor")
    doctor = make_on_post_member(world, 5, team, user=doctor_user)
    return leader_user, doctor_user, doctor.person


def test_the_leaders_buttons_are_labelled_on_behalf(crew, client):
    leader_user, _doctor_user, doctor = crew
    client.force_login(leader_user)
    html = client.get(URL).content.decode()
    board = html[html.index(f'name="person" value="{doctor.pk}"') :]
    assert board.index(in_chinese("On behalf")) < board.index("</button>")


def test_a_tap_for_a_member_is_recorded_on_their_behalf_by_the_leader(crew, client):
    leader_user, doctor_user, doctor = crew
    client.force_login(leader_user)
    response = client.post(
        RECORD, {"person": doctor.pk, "slot": "morning", "state": "well"}, follow=True
    )
    check_in = CheckIn.objects.select_related("person").get(person=doctor)
    assert check_in.on_behalf and check_in.updated_by == leader_user
    message = str(next(iter(response.context["messages"])))
    assert message.startswith("Recorded on behalf of") or message.startswith(
        in_chinese("Recorded on behalf of %(person)s: %(slot)s, %(state)s.").split("%")[0]
    )
    # The board shows the check-in as 代报, with who recorded it.
    html = response.content.decode()
    assert 'class="badge text-bg-light border on-behalf"' in html and str(leader_user) in html

    # The member's own tap for the slot replaces it: theirs again, not on behalf.
    client.force_login(doctor_user)
    client.post(RECORD, {"tap": "morning:well"})
    check_in = CheckIn.objects.select_related("person").get(person=doctor)
    assert not check_in.on_behalf and check_in.updated_by == doctor_user


def test_a_coordinators_record_for_a_member_without_an_account_is_on_behalf(world, client):
    team = make_team(world, name="六枝特区帮扶工作队")
    member = make_on_post_member(world, 6, team)
    client.force_login(world.user("coordinator"))
    client.post(RECORD, {"person": member.person.pk, "slot": "evening", "state": "well"})
    assert CheckIn.objects.select_related("person").get().on_behalf


def test_the_board_reads_who_recorded_without_a_query_per_check_in(crew, client, world):
    leader_user, _doctor_user, doctor = crew
    team = doctor.team_memberships.get().team
    for index in range(6, 12):
        member = make_on_post_member(world, index + 10, team)
        CheckIn.objects.create(person=member.person, date=timezone.localdate(), slot="morning")
    client.force_login(leader_user)
    client.get(URL)
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    make_on_post_member(world, 40, team)
    CheckIn.objects.create(
        person=team.members.last().person, date=timezone.localdate(), slot="morning"
    )
    with CaptureQueriesContext(connection) as more:
        client.get(URL)
    assert len(more) == len(few)
