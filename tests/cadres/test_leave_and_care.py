"""Leave requests decided by team leaders; mentorships, awards and care records rules."""

from datetime import date

from rest_framework.test import APIClient

from accounts.models import Notification
from cadres.models import CareRecord, LeaveRequest, Mentorship
from tests.cadres.conftest import (
    make_leave_request,
    make_member,
    make_on_post_member,
    make_team,
    member_user,
)
from tests.cadres.test_people import make_person

CHECK_IN = "/cadres/check-in/"
LEAVE = "/cadres/check-in/leave/"


def decide(leave_request, step):
    return f"/cadres/check-in/leave/{leave_request.pk}/{step}/"


def api_as(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_member_requests_leave_and_the_leader_decides_on_the_phone(
    world, client, django_capture_on_commit_callbacks
):
    team = make_team(world)
    captain = member_user("captain")
    make_on_post_member(world, 1, team, role="leader", user=captain)
    asker = member_user("asker")
    member = make_on_post_member(world, 2, team, user=asker)

    client.force_login(asker)
    bad = client.post(
        LEAVE,
        {
            "team": team.pk,
            "start": "2026-02-10",
            "end": "2026-02-01",
            "reason": "探亲",
        },
    )
    assert bad.status_code == 400 and "end" in bad.context["leave_form"].errors
    assert not LeaveRequest.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(
            LEAVE,
            {
                "team": team.pk,
                "start": "2026-02-01",
                "end": "2026-02-10",
                "reason": "春节探亲",
            },
        )
    assert sent.status_code == 302
    leave_request = LeaveRequest.objects.get()
    assert leave_request.person == member.person and leave_request.status == "pending"
    assert "春节探亲" in Notification.objects.get(user=captain).message
    # The asker cannot decide their own request.
    assert client.post(decide(leave_request, "approve")).status_code == 404

    client.force_login(captain)
    page = client.get(CHECK_IN)
    assert list(page.context["pending_leave"]) == [leave_request]
    no_reason = client.post(decide(leave_request, "reject"), {"comment": " "})
    assert no_reason.status_code == 400
    leave_request.refresh_from_db()
    assert leave_request.status == "pending"
    with django_capture_on_commit_callbacks(execute=True):
        approved = client.post(decide(leave_request, "approve"))
    assert approved.status_code == 302
    leave_request.refresh_from_db()
    assert (leave_request.status, leave_request.decided_by) == ("approved", captain)
    assert Notification.objects.filter(user=asker, message__contains="2026-02-01").exists()


def test_coordinators_decide_in_the_browser_and_the_api_and_decided_requests_lock(world, client):
    leave_request = make_leave_request(world, True, 3)
    client.force_login(world.user("coordinator"))
    refused = client.post(f"/cadres/leave-requests/{leave_request.pk}/reject/", {"comment": ""})
    assert refused.status_code == 400 and "comment" in refused.context["form"].errors
    api = api_as(world.user("coordinator"))
    answer = api.post(
        f"/api/v1/leave-requests/{leave_request.pk}/reject/", {"comment": "任务紧"}, format="json"
    )
    assert answer.status_code == 200 and answer.json()["status"] == "rejected"
    again = api.post(f"/api/v1/leave-requests/{leave_request.pk}/approve/", {}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "conflict"
    # Decided: the phone page says so too, and changes nothing.
    captain = member_user("captain")
    make_on_post_member(world, 30, leave_request.team, role="leader", user=captain)
    client.force_login(captain)
    assert client.post(decide(leave_request, "approve")).status_code == 409
    leave_request.refresh_from_db()
    assert leave_request.status == "rejected"
    client.force_login(world.user("coordinator"))
    assert client.get(f"/cadres/leave-requests/{leave_request.pk}/edit/").status_code == 403
    patch = api.patch(
        f"/api/v1/leave-requests/{leave_request.pk}/", {"reason": "改"}, format="json"
    )
    assert patch.status_code == 403


def test_read_only_roles_and_outsiders_cannot_decide(world):
    inside = make_leave_request(world, True, 4)
    outside = make_leave_request(world, False, 5)
    leader = api_as(world.user("leader"))
    assert leader.post(f"/api/v1/leave-requests/{inside.pk}/approve/").status_code == 403
    coordinator = api_as(world.user("coordinator"))
    assert coordinator.post(f"/api/v1/leave-requests/{outside.pk}/approve/").status_code == 404
    assert set(LeaveRequest.objects.values_list("status", flat=True)) == {"pending"}


def test_leave_only_for_members_of_the_team(world):
    member = make_member(world, True, 6)
    stranger = make_person(world, True, 7)
    api = api_as(world.user("coordinator"))
    data = {
        "person": stranger.pk,
        "team": member.team.pk,
        "start_date": "2022-03-01",
        "end_date": "2022-03-02",
        "reason": "事假",
    }
    answer = api.post("/api/v1/leave-requests/", data, format="json")
    assert answer.status_code == 400 and "person" in answer.json()["errors"]
    assert not LeaveRequest.objects.exists()


def test_mentorship_apprentices_need_units(world, client):
    mentor = make_person(world, True, 8)
    client.force_login(world.user("coordinator"))
    data = {
        "mentor": mentor.pk,
        "subject": "新生儿科",
        "apprentices": "王小明,水城区人民医院\n李小红",
        "start_date": "2022-03-01",
    }
    response = client.post("/cadres/mentorships/add/", data)
    assert response.status_code == 400 and "李小红" in str(response.context["form"].errors)
    assert not Mentorship.objects.exists()
    # ASCII comma, full-width comma, 、 and tab all separate a name from its unit.
    data["apprentices"] = (
        "王小明,水城区人民医院\n李小红、水城区人民医院\n赵小刚\t水城区人民医院\n钱小芳\uff0c水城区人民医院"
    )
    assert client.post("/cadres/mentorships/add/", data).status_code == 302
    mentorship = Mentorship.objects.get()
    assert mentorship.apprentice_count == 4
    body = api_as(world.user("leader")).get(f"/api/v1/mentorships/{mentorship.pk}/").json()
    assert body["apprentice_list"][1] == {"name": "李小红", "unit": "水城区人民医院"}


def test_care_follow_up_and_award_year_are_checked(world, client):
    person = make_person(world, True, 9)
    api = api_as(world.user("coordinator"))
    care = api.post(
        "/api/v1/care-records/",
        {
            "person": person.pk,
            "kind": "psychological",
            "date": "2023-05-01",
            "follow_up_date": "2023-04-01",
        },
        format="json",
    )
    assert care.status_code == 400 and "follow_up_date" in care.json()["errors"]
    assert not CareRecord.objects.exists()
    client.force_login(world.user("coordinator"))
    award = client.post(
        "/cadres/awards/add/",
        {"person": person.pk, "title": "粤黔协作工作突出个人", "level": "provincial", "year": 1999},
    )
    assert award.status_code == 400 and "year" in award.context["form"].errors


def test_care_records_follow_the_person_scope(world):
    inside = CareRecord.objects.create(
        person=make_person(world, True, 10), kind="insurance", date=date(2023, 1, 1)
    )
    CareRecord.objects.create(
        person=make_person(world, False, 11), kind="insurance", date=date(2023, 1, 1)
    )
    rows = api_as(world.user("coordinator")).get("/api/v1/care-records/").json()["results"]
    assert [row["id"] for row in rows] == [inside.pk]
