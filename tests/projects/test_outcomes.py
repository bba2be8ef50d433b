"""Outcome reports: values checked against the indicator, duplicates, review workflow, locks."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from aidtrack.core.models import ChangeRecord
from aidtrack.core.transitions import TransitionNotAllowed
from projects.models import OutcomeEvidence, OutcomeReport, OutcomeReportReview
from projects.services import (
    report_approve,
    report_reopen,
    report_return,
    report_submit,
)
from tests.factories import UserFactory
from tests.projects.conftest import make_project, make_report, pdf_upload


def api_as(world, role):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {world.token(role)}")
    return client


def report(world, indicator, value, **fields):
    values = {"indicator": indicator, "pairing": world.in_scope_pairing, "year": 2023}
    values.update(fields)
    return OutcomeReport(value=Decimal(str(value)), **values)


# -- values -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "value", "valid"),
    [
        ("labour_transferred", -1, False),  # no negative counts
        ("labour_transferred", "10.5", False),  # people are whole
        ("labour_transferred", 10, True),
        ("university_admission_growth", "100.5", False),  # percent within 0–100
        ("university_admission_growth", "22.22", True),
        ("industry_output", "2800.55", True),  # 万元 may have decimals
        ("planting_area", "157800.5", True),  # 亩 too
        ("surgeries_taught", "1.5", False),  # 台
    ],
)
def test_values_are_checked_against_the_unit(world, indicators, code, value, valid):
    candidate = report(world, indicators[code], value)
    if valid:
        candidate.full_clean()
    else:
        with pytest.raises(ValidationError) as excinfo:
            candidate.full_clean()
        assert "value" in excinfo.value.message_dict


@pytest.mark.parametrize(
    ("breakdown", "valid"),
    [
        ({"east": 800, "in_province": 150, "elsewhere": 50, "formerly_poor": 400}, True),
        ({"east": 900, "in_province": 150}, False),  # parts exceed the value
        ({"formerly_poor": 1001}, False),  # a subset larger than the whole
        ({"abroad": 5}, False),  # not a part of this indicator
        ({"east": -5}, False),
        ({"east": 1.5}, False),  # people are whole
        ({"east": "many"}, False),
        ([1, 2], False),
    ],
)
def test_labour_breakdown_by_destination(world, indicators, breakdown, valid):
    candidate = report(world, indicators["labour_transferred"], 1000, breakdown=breakdown)
    if valid:
        candidate.full_clean()
    else:
        with pytest.raises(ValidationError) as excinfo:
            candidate.full_clean()
        assert "breakdown" in excinfo.value.message_dict


def test_indicators_without_breakdown_refuse_one_and_computed_ones_are_not_reported(
    world, indicators
):
    with pytest.raises(ValidationError) as excinfo:
        report(world, indicators["new_technologies"], 5, breakdown={"east": 1}).full_clean()
    assert "breakdown" in excinfo.value.message_dict
    with pytest.raises(ValidationError) as excinfo:
        report(world, indicators["fiscal_aid"], 5).full_clean()
    assert "indicator" in excinfo.value.message_dict


def test_subject_is_a_pairing_or_a_project_and_period_a_quarter_or_month(world, indicators):
    project = make_project(world)
    indicator = indicators["people_trained"]
    with pytest.raises(ValidationError):
        report(world, indicator, 5, project=project).full_clean()  # both
    with pytest.raises(ValidationError):
        report(world, indicator, 5, pairing=None).full_clean()  # neither
    with pytest.raises(ValidationError):
        report(world, indicator, 5, quarter=1, month=2).full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        report(world, indicator, 5, project=project).save()  # the database says so too
    report(world, indicator, 5, pairing=None, project=project, quarter=2).full_clean()


def test_duplicates_and_overlapping_periods_are_refused(world, indicators, client):
    indicator = indicators["people_trained"]
    first = report(world, indicator, 5)
    first.save()
    with pytest.raises(ValidationError) as excinfo:
        report(world, indicator, 7).full_clean()
    assert excinfo.value.messages
    with pytest.raises(IntegrityError), transaction.atomic():
        report(world, indicator, 7).save()  # empty quarter/month are equal for the database
    with pytest.raises(ValidationError) as excinfo:
        report(world, indicator, 7, quarter=1).full_clean()  # the whole year is reported
    assert "year" in excinfo.value.message_dict
    report(world, indicator, 7, year=2022, quarter=1).save()
    with pytest.raises(ValidationError):
        report(world, indicator, 3, year=2022, month=2).full_clean()  # quarters, not months
    report(world, indicator, 7, year=2022, quarter=2).full_clean()
    client.force_login(world.user("coordinator"))
    response = client.post(
        "/projects/outcome-reports/add/",
        {"indicator": indicator.pk, "pairing": world.in_scope_pairing.pk, "year": 2023, "value": 9},
    )
    assert response.status_code == 400 and response.context["form"].errors
    # The form names the existing report, with a link to it (core.natural_keys).
    assert f'href="{first.get_absolute_url()}"' in response.content.decode()
    answer = api_as(world, "coordinator").post(
        "/api/v1/outcome-reports/",
        {
            "indicator": indicator.code,
            "pairing": world.in_scope_pairing.pk,
            "year": 2023,
            "value": 9,
        },
        format="json",
    )
    # A duplicate is a 409 naming the existing report, not a 400.
    assert answer.status_code == 409, answer.content
    assert answer.json()["code"] == "duplicate"
    assert answer.json()["existing"] == {
        "id": first.pk,
        "url": f"http://testserver/api/v1/outcome-reports/{first.pk}/",
    }
    assert OutcomeReport.objects.count() == 2


# -- workflow ----------------------------------------------------------------------------


@pytest.fixture
def submitted(world, indicators):
    draft = make_report(world, indicator=indicators["people_trained"], month=None)
    return report_submit(draft, user=world.user("coordinator"))


def test_review_by_someone_else_then_locked(world, submitted, client):
    coordinator = world.user("coordinator")
    with pytest.raises(TransitionNotAllowed, match="other than its submitter"):
        report_approve(submitted, user=coordinator)
    city_reviewer = UserFactory(username="city", role="coordinator")
    city_reviewer.scope_pairings.set([world.pairings["zs-lps"]])
    approved = report_approve(submitted, user=city_reviewer, comment="核实无误")
    assert approved.status == "approved" and approved.reviewed_by == city_reviewer
    actions = list(approved.reviews.values_list("action", flat=True))
    assert actions == ["submit", "approve"]
    client.force_login(coordinator)
    assert client.get(f"/projects/outcome-reports/{approved.pk}/edit/").status_code == 403
    assert client.post(f"/projects/outcome-reports/{approved.pk}/delete/").status_code == 403
    answer = api_as(world, "coordinator").patch(
        f"/api/v1/outcome-reports/{approved.pk}/", {"value": "99"}, format="json"
    )
    assert answer.status_code == 403 and "approved" in answer.json()["message"]
    assert OutcomeReport.objects.get(pk=approved.pk).value == Decimal(10)


def test_illegal_steps_are_refused_and_change_nothing(world, indicators):
    draft = make_report(world, indicator=indicators["people_trained"])
    admin = world.user("admin")
    with pytest.raises(TransitionNotAllowed, match="Draft"):
        report_approve(draft, user=admin)
    with pytest.raises(TransitionNotAllowed):
        report_reopen(draft, user=admin, reason="更正")
    submitted = report_submit(draft, user=world.user("coordinator"))
    with pytest.raises(ValidationError) as excinfo:
        report_return(submitted, user=admin, comment="  ")
    assert "comment" in excinfo.value.message_dict
    with pytest.raises(TransitionNotAllowed):
        report_submit(submitted, user=admin)
    fresh = OutcomeReport.objects.get(pk=draft.pk)
    assert fresh.status == "submitted" and fresh.reviews.count() == 1


def test_return_then_resubmit(world, submitted):
    returned = report_return(submitted, user=world.user("admin"), comment="请补充花名册")
    assert returned.status == "returned" and returned.review_comment == "请补充花名册"
    returned.value = Decimal(12)
    returned.full_clean()
    returned.save()
    again = report_submit(returned, user=world.user("coordinator"))
    assert again.status == "submitted"


def test_reopen_is_for_administrators_with_a_reason_and_is_recorded(world, submitted, client):
    approved = report_approve(submitted, user=world.user("admin"))
    reopen = OutcomeReport.transitions["reopen"]
    assert not reopen.permitted(world.user("coordinator"), OutcomeReport)
    client.force_login(world.user("coordinator"))
    page = client.post(f"/projects/outcome-reports/{approved.pk}/reopen/", {"reason": "更正"})
    assert page.status_code == 403
    with pytest.raises(ValidationError):
        report_reopen(approved, user=world.user("admin"), reason="")
    api = api_as(world, "coordinator")
    assert (
        api.post(f"/api/v1/outcome-reports/{approved.pk}/reopen/", {"reason": "x"}).status_code
        == 403
    )
    response = api_as(world, "admin").post(
        f"/api/v1/outcome-reports/{approved.pk}/reopen/", {"reason": "县人社局更正数据"}
    )
    assert response.status_code == 200 and response.json()["status"] == "returned"
    step = OutcomeReportReview.objects.get(report=approved, action="reopen")
    assert step.comment == "县人社局更正数据" and step.user == world.user("admin")
    change = ChangeRecord.objects.for_object(approved).filter(action="update").first()
    assert change.changes["status"] == ["approved", "returned"] and change.source == "api"
    assert change.actor == world.user("admin")


def test_api_workflow_actions_answer_409_when_not_allowed(world, indicators):
    draft = make_report(world, indicator=indicators["people_trained"])
    coordinator, admin = api_as(world, "coordinator"), api_as(world, "admin")
    url = f"/api/v1/outcome-reports/{draft.pk}"
    response = admin.post(f"{url}/approve/", {}, format="json")
    assert response.status_code == 409
    assert response.json() == {
        "code": "conflict",
        "message": "“Approve” is not possible while the record is “Draft”.",
    }
    assert admin.post(f"{url}/return/", {"comment": "x"}).status_code == 409
    assert admin.post(f"{url}/reopen/", {"reason": "x"}).status_code == 409
    assert coordinator.post(f"{url}/submit/").status_code == 200
    assert coordinator.post(f"{url}/submit/").status_code == 409
    assert coordinator.post(f"{url}/approve/").status_code == 409  # its own submission
    assert admin.post(f"{url}/return/", {}, format="json").status_code == 400  # no comment
    assert admin.post(f"{url}/approve/", {"comment": "ok"}).json()["status"] == "approved"
    assert api_as(world, "leader").post(f"{url}/submit/").status_code == 403
    outside = make_report(world, in_scope=False, indicator=indicators["people_trained"])
    assert coordinator.post(f"/api/v1/outcome-reports/{outside.pk}/submit/").status_code == 404


def test_evidence_cannot_be_added_to_a_submitted_report(world, submitted, client):
    answer = api_as(world, "coordinator").post(
        "/api/v1/outcome-evidence/",
        {"report": submitted.pk, "file": pdf_upload()},
        format="multipart",
    )
    assert answer.status_code == 409
    assert "awaiting review" in answer.json()["message"]
    client.force_login(world.user("coordinator"))
    page = client.post("/projects/evidence/add/", {"report": submitted.pk, "file": pdf_upload()})
    assert page.status_code == 400
    assert "awaiting review" in str(page.context["form"].non_field_errors())
    assert not OutcomeEvidence.objects.exists()


# -- the review queue ------------------------------------------------------------------


def test_bulk_approval_from_the_queue(world, indicators, client):
    coordinator, admin = world.user("coordinator"), world.user("admin")
    indicator = indicators["people_trained"]
    waiting = [
        report_submit(make_report(world, index=i, indicator=indicator), user=coordinator)
        for i in range(3)
    ]
    draft = make_report(world, index=5, indicator=indicator)
    client.force_login(admin)
    page = client.get("/projects/outcome-reports/queue/")
    assert {r.pk for r in page.context["reports"]} == {r.pk for r in waiting}
    ticked = [r.pk for r in waiting] + [draft.pk]
    response = client.post(
        "/projects/outcome-reports/queue/", {"report": ticked, "decision": "approve"}, follow=True
    )
    assert response.status_code == 200
    statuses = dict(OutcomeReport.objects.values_list("pk", "status"))
    assert all(statuses[r.pk] == "approved" for r in waiting)
    assert statuses[draft.pk] == "draft"  # refused, with a message, without stopping the others
    texts = [str(m) for m in response.context["messages"]]
    assert any("Approved: 3" in text for text in texts) and any("Draft" in text for text in texts)


def test_bulk_return_needs_a_comment_and_the_queue_is_scoped(world, indicators, client):
    indicator = indicators["people_trained"]
    inside = report_submit(make_report(world, indicator=indicator), user=world.user("admin"))
    outside = report_submit(
        make_report(world, in_scope=False, indicator=indicator), user=world.user("admin")
    )
    client.force_login(world.user("coordinator"))
    page = client.get("/projects/outcome-reports/queue/")
    assert [r.pk for r in page.context["reports"]] == [inside.pk]
    url = "/projects/outcome-reports/queue/"
    client.post(url, {"report": [inside.pk], "decision": "return"})
    assert OutcomeReport.objects.get(pk=inside.pk).status == "submitted"
    client.post(url, {"report": [inside.pk, outside.pk], "decision": "return", "comment": "补充"})
    assert OutcomeReport.objects.get(pk=inside.pk).status == "returned"
    assert OutcomeReport.objects.get(pk=outside.pk).status == "submitted"  # not theirs to decide
    assert client.get(url).status_code == 200
    client.force_login(world.user("leader"))
    assert client.get(url).status_code == 403


def test_queue_query_count_does_not_grow(world, indicators, client):
    indicator = indicators["people_trained"]
    client.force_login(world.user("admin"))
    coordinator = world.user("coordinator")
    report_submit(make_report(world, index=0, indicator=indicator), user=coordinator)
    client.get("/projects/outcome-reports/queue/")
    with CaptureQueriesContext(connection) as few:
        client.get("/projects/outcome-reports/queue/")
    project = make_project(world)
    for index in range(1, 6):
        report_submit(make_report(world, index=index, indicator=indicator), user=coordinator)
        report_submit(
            make_report(index=index, indicator=indicator, project=project), user=coordinator
        )
    with CaptureQueriesContext(connection) as many:
        response = client.get("/projects/outcome-reports/queue/")
    assert len(response.context["reports"]) == 11
    assert len(many) == len(few)


def test_report_page_shows_actions_and_trail(world, submitted, client):
    client.force_login(world.user("admin"))
    response = client.get(f"/projects/outcome-reports/{submitted.pk}/")
    assert [label for _url, label in response.context["transition_links"]] == ["Approve", "Return"]
    assert [step.action for step in response.context["reviews"]] == ["submit"]
    response = client.post(f"/projects/outcome-reports/{submitted.pk}/return/", {"comment": ""})
    assert response.status_code == 400
    response = client.post(f"/projects/outcome-reports/{submitted.pk}/approve/", {"comment": ""})
    assert response.status_code == 302
    client.force_login(world.user("coordinator"))
    assert client.get(f"/projects/outcome-reports/{submitted.pk}/reopen/").status_code == 403
