"""Check-ins (两安两好) from the phone page, reminders by Celery beat, notifications."""

from datetime import date, timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Notification
from accounts.tasks import notification_emails_send
from cadres.models import CheckIn, CheckInReminder, LeaveRequest
from cadres.tasks import checkin_reminders
from tests.cadres.conftest import make_on_post_member, make_team, member_user

URL = "/cadres/check-in/"
RECORD = "/cadres/check-in/record/"


@pytest.fixture
def team(world):
    return make_team(world, name="淳安县援巴工作队")


def test_a_person_with_an_account_checks_in_on_the_phone_page(world, team, client):
    user = member_user("doctor")
    member = make_on_post_member(world, 1, team, user=user)
    client.force_login(user)
    page = client.get(URL)
    assert page.status_code == 200 and "早安,身体好" in page.content.decode()
    assert client.post(RECORD, {"tap": "morning:well"}).status_code == 302
    # A later tap for the same slot corrects the earlier one.
    client.post(RECORD, {"tap": "morning:unwell", "note": "头疼"})
    check_in = CheckIn.objects.get()
    assert (check_in.person, check_in.date, check_in.slot, check_in.state, check_in.note) == (
        member.person,
        timezone.localdate(),
        "morning",
        "unwell",
        "头疼",
    )
    assert check_in.updated_by == user
    assert client.post(RECORD, {"tap": "noon:fine"}).status_code == 400
    assert CheckIn.objects.count() == 1


def test_members_record_only_for_themselves_and_see_no_lists(world, team, client):
    user = member_user("teacher")
    make_on_post_member(world, 2, team, user=user)
    other = make_on_post_member(world, 3, team)
    client.force_login(user)
    refused = client.post(RECORD, {"person": other.person.pk, "slot": "morning", "state": "well"})
    assert refused.status_code == 404 and not CheckIn.objects.exists()
    assert client.get("/cadres/check-ins/").status_code == 403
    assert client.get(team.get_absolute_url()).status_code == 403


def test_the_team_leader_sees_the_board_and_records_for_members(world, team, client):
    leader_user = member_user("captain")
    make_on_post_member(world, 4, team, role="leader", subgroup="党政干部组", user=leader_user)
    doctor = make_on_post_member(world, 5, team, subgroup="医生组")
    CheckIn.objects.create(
        person=doctor.person, date=timezone.localdate(), slot="morning", state="needs_help"
    )
    client.force_login(leader_user)
    page = client.get(URL)
    (board,) = page.context["boards"]
    assert board.team == team and [r.person for r in board.concerns] == [doctor.person]
    response = client.post(RECORD, {"person": doctor.person.pk, "slot": "evening", "state": "well"})
    assert response.status_code == 302
    assert CheckIn.objects.filter(person=doctor.person, slot="evening").exists()


def test_a_coordinator_records_from_the_team_page(world, team, client):
    member = make_on_post_member(world, 6, team)
    client.force_login(world.user("coordinator"))
    page = client.get(team.get_absolute_url())
    assert page.context["can_record"]
    response = client.post(
        RECORD,
        {
            "person": member.person.pk,
            "slot": "morning",
            "state": "well",
            "next": team.get_absolute_url(),
        },
    )
    assert response.status_code == 302 and response.url == team.get_absolute_url()
    assert CheckIn.objects.filter(person=member.person).count() == 1
    # A leader (read-only role) without a led team may not: to them it does not exist.
    client.force_login(world.user("leader"))
    refused = client.post(RECORD, {"person": member.person.pk, "slot": "evening", "state": "well"})
    assert refused.status_code == 404


def test_check_in_rules_in_the_api(world, team):
    member = make_on_post_member(world, 7, team)
    api = APIClient()
    api.force_authenticate(world.user("coordinator"))
    tomorrow = timezone.localdate() + timedelta(days=1)
    data = {"person": member.person.pk, "date": tomorrow.isoformat(), "slot": "morning"}
    future = api.post("/api/v1/check-ins/", data, format="json")
    assert future.status_code == 400 and "date" in future.json()["errors"]
    data["date"] = "2024-03-01"
    assert api.post("/api/v1/check-ins/", data, format="json").status_code == 201
    twice = api.post("/api/v1/check-ins/", data, format="json")
    assert twice.status_code == 400
    assert CheckIn.objects.count() == 1


def test_api_check_in_filters(world, team):
    member = make_on_post_member(world, 8, team)
    other = make_on_post_member(world, 9, make_team(world, index=1))
    day = date(2024, 3, 1)
    CheckIn.objects.create(person=member.person, date=day, slot="morning", state="well")
    CheckIn.objects.create(person=member.person, date=day, slot="evening", state="unwell")
    CheckIn.objects.create(person=other.person, date=day, slot="evening", state="unwell")
    api = APIClient()
    api.force_authenticate(world.user("leader"))

    def states(**params):
        rows = api.get("/api/v1/check-ins/", params).json()["results"]
        return sorted((row["person"], row["slot"], row["state"]) for row in rows)

    assert states(team=team.pk, state="unwell") == [(member.person.pk, "evening", "unwell")]
    assert len(states(date="2024-03-01", slot="evening")) == 2
    assert states(person=other.person.pk) == [(other.person.pk, "evening", "unwell")]


def test_reminders_notify_once_and_email_where_possible(
    world, team, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    captain = member_user("captain", email="captain@example.cn")
    make_on_post_member(world, 10, team, role="leader", user=captain)
    late = make_on_post_member(world, 11, team, user=member_user("late", email="late@example.cn"))
    no_account = make_on_post_member(world, 12, team)
    punctual = make_on_post_member(world, 13, team, user=member_user("punctual"))
    on_leave = make_on_post_member(world, 14, team)
    CheckIn.objects.create(person=punctual.person, date=today, slot="morning")
    CheckIn.objects.create(
        person=team.members.get(role="leader").person, date=today, slot="morning"
    )
    LeaveRequest.objects.create(
        person=on_leave.person,
        team=team,
        start_date=today,
        end_date=today,
        reason="探亲",
        status="approved",
    )

    # The emails go out after the commit, from their own task.
    with django_capture_on_commit_callbacks(execute=True):
        result = checkin_reminders.apply(("morning",))
    assert result.get() == 2  # late and no_account

    assert set(CheckInReminder.objects.values_list("person", flat=True)) == {
        late.person.pk,
        no_account.person.pk,
    }
    to_late = Notification.objects.get(user=late.person.user)
    assert to_late.url == "/cadres/check-in/"
    to_captain = Notification.objects.get(user=captain)
    assert late.person.name in to_captain.message and no_account.person.name in to_captain.message
    assert not Notification.objects.filter(user=punctual.person.user).exists()
    assert sorted(m.to[0] for m in mail.outbox) == ["captain@example.cn", "late@example.cn"]

    assert not Notification.objects.filter(email_due=True).exists()
    # Idempotent: a second run the same day reminds nobody again.
    with django_capture_on_commit_callbacks(execute=True):
        assert checkin_reminders.apply(("morning",)).get() == 0
    assert Notification.objects.count() == 2 and len(mail.outbox) == 2
    # The evening is another slot.
    assert checkin_reminders.apply(("evening",)).get() == 4  # everyone but the one on leave


def test_reminders_skip_people_not_on_post(world, team):
    member = make_on_post_member(world, 15, team, user=member_user("gone"))
    deployment = member.person.deployments.get()
    deployment.actual_end_date = timezone.localdate() - timedelta(days=1)
    deployment.status = "completed"
    deployment.save()
    assert checkin_reminders.apply(("evening",)).get() == 0
    assert not Notification.objects.exists()


def test_email_is_off_when_not_configured(
    world, team, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFY_BY_EMAIL = False
    make_on_post_member(world, 16, team, user=member_user("quiet", email="quiet@example.cn"))
    with django_capture_on_commit_callbacks(execute=True):
        assert checkin_reminders.apply(("morning",)).get() == 1
    assert Notification.objects.count() == 1 and mail.outbox == []


def test_beat_schedule_reads_the_configured_times():
    schedule = settings.CELERY_BEAT_SCHEDULE
    morning = schedule["checkin-reminders-morning"]
    assert morning["task"] == "cadres.tasks.checkin_reminders" and morning["args"] == ("morning",)
    assert morning["schedule"].hour == {9} and morning["schedule"].minute == {30}
    assert schedule["checkin-reminders-evening"]["schedule"].hour == {21}


def test_env_time_parsing(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from aidtrack.env import env_time

    monkeypatch.setenv("REMINDER_AT", "08:05")
    assert env_time("REMINDER_AT", "09:30") == (8, 5)
    monkeypatch.setenv("REMINDER_AT", "25:00")
    with pytest.raises(ImproperlyConfigured):
        env_time("REMINDER_AT", "09:30")


def test_notifications_page_badge_and_mark_read(world, team, client):
    user = member_user("reader")
    make_on_post_member(world, 17, team, user=user)
    checkin_reminders.apply(("morning",)).get()
    client.force_login(user)
    page = client.get("/accounts/notifications/")
    assert page.status_code == 200
    assert 'id="unread-badge">1<' in page.content.decode()
    notification = Notification.objects.get(user=user)
    opened = client.post("/accounts/notifications/", {"id": notification.pk})
    assert opened.status_code == 302 and opened.url == "/cadres/check-in/"
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert 'id="unread-badge"' not in client.get("/accounts/notifications/").content.decode()
    # Someone else's notification is a 404.
    client.force_login(world.user("coordinator"))
    assert client.post("/accounts/notifications/", {"id": notification.pk}).status_code == 404


def test_member_role_home_is_the_check_in_page(world, client):
    client.force_login(member_user("home"))
    response = client.get("/")
    assert response.status_code == 302 and response.url == URL


def test_check_in_list_query_count_is_constant_for_a_team_filter(world, team, client):
    client.force_login(world.user("coordinator"))
    url = f"/cadres/check-ins/?team={team.pk}"
    member = make_on_post_member(world, 18, team)
    CheckIn.objects.create(person=member.person, date=date(2024, 3, 1), slot="morning")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for index in range(19, 24):
        member = make_on_post_member(world, index, team)
        CheckIn.objects.create(person=member.person, date=date(2024, 3, 1), slot="morning")
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(url).context["rows"]) == 6
    assert len(many) == len(few)


def test_a_mail_server_that_is_down_delays_the_email_but_loses_nothing(
    world, team, monkeypatch, django_capture_on_commit_callbacks
):
    from accounts import services

    make_on_post_member(world, 17, team, user=member_user("far", email="far@example.cn"))

    def server_down(*args, **kwargs):
        raise ConnectionRefusedError("no mail server")

    monkeypatch.setattr(services, "send_mail", server_down)
    with django_capture_on_commit_callbacks(execute=True):
        assert checkin_reminders.apply(("morning",)).get() == 1  # no error for the reminder
    assert mail.outbox == []
    assert Notification.objects.get().email_due
    monkeypatch.undo()
    assert notification_emails_send.apply().get() == 1  # the minutely sweep
    assert [m.to for m in mail.outbox] == [["far@example.cn"]]
    assert notification_emails_send.apply().get() == 0  # sent once
