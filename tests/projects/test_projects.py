"""Projects: codes, location rules, status changes, progress, attachments, filters and pages."""

import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from aidtrack.core.files import validate_upload
from aidtrack.core.hub import PROJECT_PAGE, HubTab, hub_tabs
from aidtrack.core.transitions import TransitionNotAllowed
from pairings.models import Organization
from projects.models import ProgressUpdate, Project, ProjectAttachment
from projects.services import (
    progress_save,
    project_accept,
    project_approve,
    project_cancel,
    project_complete,
    project_save,
    project_start,
)
from tests.projects.conftest import make_project, office_upload, pdf_upload, png_upload

START = date(2023, 3, 10)


def api_as(world, role):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {world.token(role)}")
    return client


def in_progress(world, **fields):
    project = make_project(world, **fields)
    project_approve(project)
    return project_start(project, on=START)


# -- codes and rules ----------------------------------------------------------------


def test_codes_are_generated_per_helped_region_and_year(world, client):
    client.force_login(world.user("coordinator"))
    pairing = world.in_scope_pairing  # helped side 水城区 520204
    data = {
        "name": "猕猴桃基地",
        "pairing": pairing.pk,
        "region": "520204",
        "category": "industry",
        "year": 2023,
        "budget": "500000",
        "beneficiaries": 0,
        "beneficiaries_formerly_poor": 0,
    }
    assert client.post("/projects/projects/add/", data).status_code == 302
    assert client.post("/projects/projects/add/", data).status_code == 302
    assert client.post("/projects/projects/add/", {**data, "year": 2024}).status_code == 302
    make_project(world, code="520204-2023-010")
    project_save(
        Project(
            name="后来的",
            pairing=pairing,
            region=pairing.helped_region,
            year=2023,
            category="other",
        )
    )
    codes = set(Project.objects.values_list("code", flat=True))
    assert {"520204-2023-001", "520204-2023-002", "520204-2024-001", "520204-2023-011"} <= codes


@pytest.mark.django_db(transaction=True)
def test_code_generation_is_safe_under_concurrency(world):
    pairing = world.in_scope_pairing
    barrier = threading.Barrier(4)
    errors = []

    def create(index):
        try:
            barrier.wait()
            project_save(
                Project(
                    name=f"并发{index}",
                    pairing=pairing,
                    region=pairing.helped_region,
                    year=2025,
                    category="industry",
                )
            )
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=create, args=(index,)) for index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    codes = sorted(Project.objects.filter(year=2025).values_list("code", flat=True))
    assert codes == [f"520204-2025-00{n}" for n in range(1, 5)]


def test_location_and_lead_organisation_sides(world, client):
    project = make_project(world)
    project.region = world.regions["xqg"]  # 七星关区: not the pairing's helped side
    project.lead_organization = Organization.objects.create(
        name="水城区农业农村局", kind="government", region=world.regions["sc"]
    )
    with pytest.raises(ValidationError) as excinfo:
        project.full_clean()
    assert {"region", "lead_organization"} <= excinfo.value.message_dict.keys()
    client.force_login(world.user("coordinator"))
    response = client.post(
        "/projects/projects/add/",
        {
            "name": "越界项目",
            "pairing": world.in_scope_pairing.pk,
            "region": "520203",  # 六枝特区, outside 水城区
            "category": "industry",
            "year": 2023,
            "budget": "1",
            "beneficiaries": 10,
            "beneficiaries_formerly_poor": 20,
        },
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "region" in errors  # outside the helped side
    assert "__all__" in errors  # more formerly poor than beneficiaries
    assert Project.objects.count() == 1


# -- status changes --------------------------------------------------------------------


def test_lifecycle_through_the_services(world):
    project = make_project(world)
    project = project_approve(project)
    assert project.status == "approved"
    project = project_start(project, on=START)
    progress_save(ProgressUpdate(project=project, date=START + timedelta(days=30), percent=40))
    project = project_complete(project, on=date(2023, 9, 30))
    assert project.status == "completed" and project.actual_end_date == date(2023, 9, 30)
    assert project.progress_updates.order_by("-date").first().percent == 100
    project = project_accept(project, on=date(2023, 11, 1))
    assert project.status == "accepted" and project.accepted_on == date(2023, 11, 1)


def test_no_approval_without_budget_and_dates(world):
    project = make_project(world, budget=0, planned_end_date=None)
    with pytest.raises(TransitionNotAllowed) as excinfo:
        project_approve(project)
    assert "budget" in str(excinfo.value) and "planned" in str(excinfo.value)
    assert Project.objects.get(pk=project.pk).status == "planned"


def test_no_start_without_start_date_no_completion_without_end_date(world):
    project = make_project(world)
    project_approve(project)
    with pytest.raises(TransitionNotAllowed, match="start date"):
        project_start(project)
    project = project_start(project, on=START)
    with pytest.raises(TransitionNotAllowed, match="end date"):
        project_complete(project)
    with pytest.raises(TransitionNotAllowed):
        project_complete(project, on=START - timedelta(days=1))  # before the start
    with pytest.raises(TransitionNotAllowed):
        project_complete(project, on=timezone.localdate() + timedelta(days=1))
    fresh = Project.objects.get(pk=project.pk)
    assert fresh.status == "in_progress" and fresh.actual_end_date is None


def test_cancel_needs_a_reason_and_an_unfinished_project(world):
    project = in_progress(world)
    with pytest.raises(ValidationError):
        project_cancel(project, reason=" ")
    project = project_cancel(project, reason="选址调整")
    assert project.status == "cancelled" and project.cancellation_reason == "选址调整"
    with pytest.raises(TransitionNotAllowed):
        project_cancel(project, reason="again")


def test_closed_projects_are_locked_for_coordinators(world, client):
    project = in_progress(world)
    project_cancel(project, reason="资金调整")
    client.force_login(world.user("coordinator"))
    response = client.get(f"/projects/projects/{project.pk}/edit/")
    assert response.status_code == 403
    client.force_login(world.user("admin"))
    assert client.get(f"/projects/projects/{project.pk}/edit/").status_code == 200


def test_action_page_refuses_completion_without_end_date(world, client):
    project = in_progress(world)
    client.force_login(world.user("coordinator"))
    page = client.get(f"/projects/projects/{project.pk}/")
    assert [url for url, _label in page.context["transition_links"]] == [
        reverse("projects:project_transition", args=[project.pk, name])
        for name in ("complete", "cancel")
    ]
    response = client.post(f"/projects/projects/{project.pk}/complete/", {"on": ""})
    assert response.status_code == 409
    assert "end date" in str(response.context["form"].non_field_errors())
    assert Project.objects.get(pk=project.pk).status == "in_progress"
    response = client.post(f"/projects/projects/{project.pk}/complete/", {"on": "2023-09-01"})
    assert response.status_code == 302
    assert Project.objects.get(pk=project.pk).status == "completed"


def test_api_transitions_answer_409_with_the_reason(world):
    project = make_project(world)
    api = api_as(world, "coordinator")
    response = api.post(f"/api/v1/projects/{project.pk}/complete/", {}, format="json")
    assert response.status_code == 409
    assert response.json() == {
        "code": "conflict",
        "message": "“Completed” is not possible while the record is “Planned”.",
    }
    assert api.post(f"/api/v1/projects/{project.pk}/approve/").status_code == 200
    assert (
        api.post(f"/api/v1/projects/{project.pk}/start/", {"on": "2023-03-10"}).status_code == 200
    )
    response = api.post(f"/api/v1/projects/{project.pk}/complete/", {}, format="json")
    assert response.status_code == 409 and "end date" in response.json()["message"]
    response = api.post(f"/api/v1/projects/{project.pk}/accept/", {}, format="json")
    assert response.status_code == 400 and "on" in response.json()["errors"]
    response = api.post(f"/api/v1/projects/{project.pk}/complete/", {"on": "2023-09-01"})
    assert response.status_code == 200 and response.json()["status"] == "completed"
    assert response.json()["latest_progress"] == 100
    assert api_as(world, "leader").post(f"/api/v1/projects/{project.pk}/accept/").status_code == 403
    outside = make_project(world, in_scope=False)
    assert api.post(f"/api/v1/projects/{outside.pk}/approve/").status_code == 404


def test_api_generates_codes_and_keeps_them(world):
    api = api_as(world, "coordinator")
    pairing = world.in_scope_pairing
    response = api.post(
        "/api/v1/projects/",
        {
            "name": "接口项目",
            "pairing": pairing.pk,
            "region": "520204",
            "category": "labour",
            "year": 2022,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["code"] == "520204-2022-001"
    answer = api.patch(f"/api/v1/projects/{response.json()['id']}/", {"code": "X"}, format="json")
    assert answer.status_code == 400 and "code" in answer.json()["errors"]


# -- summaries ----------------------------------------------------------------------------


def test_a_budget_change_announces_the_projects_figures_once(world, announcements):
    project = Project.objects.get(pk=make_project(world).pk)
    announcements.clear()
    project.budget = Decimal(2_500_000)
    project_save(project)
    assert announcements == [frozenset({(world.in_scope_pairing.pk, 2023)})]


def test_a_new_name_announces_nothing(world, announcements):
    project = Project.objects.get(pk=make_project(world).pk)
    announcements.clear()
    project.name = "改名后的项目"
    project_save(project)
    assert announcements == []
    assert Project.objects.get(pk=project.pk).name == "改名后的项目"


# -- progress -----------------------------------------------------------------------------


def test_progress_never_goes_back(world):
    project = in_progress(world)
    progress_save(ProgressUpdate(project=project, date=date(2023, 5, 1), percent=50))
    with pytest.raises(ValidationError) as excinfo:
        progress_save(ProgressUpdate(project=project, date=date(2023, 6, 1), percent=40))
    assert "percent" in excinfo.value.message_dict
    with pytest.raises(ValidationError):  # between two updates, above the later one
        progress_save(ProgressUpdate(project=project, date=date(2023, 4, 1), percent=60))
    progress_save(ProgressUpdate(project=project, date=date(2023, 4, 1), percent=20))
    with pytest.raises(ValidationError) as excinfo:
        progress_save(ProgressUpdate(project=project, date=START - timedelta(1), percent=1))
    assert "date" in excinfo.value.message_dict
    with pytest.raises(ValidationError):
        ProgressUpdate(project=project, date=date(2023, 7, 1), percent=101).full_clean()
    assert list(project.progress_updates.values_list("percent", flat=True)) == [20, 50]


def test_progress_only_while_in_progress(world):
    project = make_project(world)
    with pytest.raises(TransitionNotAllowed):
        progress_save(ProgressUpdate(project=project, date=START, percent=10))
    api = api_as(world, "coordinator")
    response = api.post(
        "/api/v1/project-progress/",
        {"project": project.pk, "date": "2023-04-01", "percent": 10},
        format="json",
    )
    assert response.status_code == 409
    assert not ProgressUpdate.objects.exists()


def test_phone_progress_page_records_percent_and_photos(world, client):
    project = in_progress(world)
    client.force_login(world.user("coordinator"))
    page = client.get(f"/projects/projects/{project.pk}/progress/")
    assert page.status_code == 200
    assert b"image/*" in page.content  # phones offer the camera
    response = client.post(
        f"/projects/projects/{project.pk}/progress/",
        {
            "date": "2023-06-01",
            "percent": 45,
            "note": "主体结构完成",
            "files": [png_upload("一.png"), pdf_upload("监理日志.pdf")],
        },
    )
    assert response.status_code == 302
    update = project.progress_updates.get()
    assert update.percent == 45 and update.attachments.count() == 2
    response = client.post(
        f"/projects/projects/{project.pk}/progress/",
        {"date": "2023-07-01", "percent": 60, "files": [png_upload("病毒.exe")]},
    )
    assert response.status_code == 400 and "files" in response.context["form"].errors
    assert project.progress_updates.count() == 1


def test_project_page_shows_the_timeline_with_constant_queries(world, client):
    project = in_progress(world)
    client.force_login(world.user("coordinator"))
    progress_save(ProgressUpdate(project=project, date=date(2023, 4, 1), percent=10))
    url = f"/projects/projects/{project.pk}/"
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for month in range(5, 10):
        update = progress_save(
            ProgressUpdate(project=project, date=date(2023, month, 1), percent=month * 10),
            files=[png_upload()],
        )
        assert update.attachments.count() == 1
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(many) == len(few)
    assert [u.percent for u in response.context["progress_updates"]] == [90, 80, 70, 60, 50, 10]
    assert response.context["latest_progress"] == 90


# -- attachments -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "upload",
    [
        lambda: pdf_upload("脚本.exe"),
        lambda: png_upload("伪装.pdf"),  # a PNG named .pdf
        lambda: office_upload("表格.xlsx", "word/document.xml"),  # a Word file named .xlsx
        lambda: pdf_upload("太大.pdf", size=20 * 1024 * 1024 + 1),
    ],
    ids=["type", "content", "office-content", "size"],
)
def test_uploads_are_checked_by_type_content_and_size(upload):
    with pytest.raises(ValidationError):
        validate_upload(upload())


@pytest.mark.parametrize(
    "upload",
    [
        lambda: pdf_upload(),
        lambda: png_upload(),
        lambda: office_upload("总结.docx", "word/document.xml"),
        lambda: office_upload("台账.xlsx", "xl/workbook.xml"),
    ],
    ids=["pdf", "png", "docx", "xlsx"],
)
def test_accepted_uploads(upload):
    validate_upload(upload())


def test_bad_upload_in_the_form_and_the_api_saves_nothing(world, client):
    project = make_project(world)
    client.force_login(world.user("coordinator"))
    response = client.post(
        "/projects/attachments/add/", {"project": project.pk, "file": png_upload("x.docx")}
    )
    assert response.status_code == 400 and "file" in response.context["form"].errors
    answer = api_as(world, "coordinator").post(
        "/api/v1/project-attachments/",
        {"project": project.pk, "file": pdf_upload("x.exe")},
        format="multipart",
    )
    assert answer.status_code == 400 and "file" in answer.json()["errors"]
    assert not ProjectAttachment.objects.exists()


# -- filters and tabs ---------------------------------------------------------------------


def test_filters_for_pairing_tree_region_budget_status_and_overdue(world):
    city = world.pairings["zs-lps"]
    small = make_project(world, index=1, budget=Decimal(100_000))
    big = make_project(
        world, index=2, budget=Decimal(9_000_000), pairing=city, region=world.regions["lz"]
    )
    late = make_project(
        world, index=3, planned_end_date=date(2022, 1, 1), planned_start_date=date(2021, 1, 1)
    )
    project_approve(late)
    outside = make_project(world, in_scope=False, index=4)
    api = api_as(world, "admin")

    def ids(**params):
        response = api.get("/api/v1/projects/", params)
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids(pairing=city.pk) == {small.pk, big.pk, late.pk}  # incl. the county pairing
    assert ids(pairing=world.in_scope_pairing.pk) == {small.pk, late.pk}
    assert ids(region="520200") == {small.pk, big.pk, late.pk}
    assert ids(region="520203") == {big.pk}
    assert ids(budget_min=2_000_000) == {big.pk}
    assert ids(budget_max=500_000, pairing=city.pk) == {small.pk}
    assert ids(overdue="true") == {late.pk}
    assert ids(overdue="false") == {small.pk, big.pk, outside.pk}
    assert ids(status="approved") == {late.pk}
    assert ids(year=2023, category="industry") >= {small.pk, big.pk, outside.pk}


def test_project_page_shows_other_apps_tabs(world, client, monkeypatch):
    """The extension point the funds app uses: ``project_page_tabs`` on an AppConfig."""
    from django.apps import apps

    calls = []
    config = apps.get_app_config("projects")
    tab = HubTab(
        "funds",
        "资金",
        "projects.Project",
        "projects/project_tabs/outcomes.html",
        "tests.projects.test_projects.fake_funds_tab",
    )
    monkeypatch.setattr(config, "project_page_tabs", [*config.project_page_tabs, tab])
    monkeypatch.setattr("tests.projects.test_projects.CALLS", calls)
    project = make_project(world)
    assert tab in hub_tabs(world.user("leader"), PROJECT_PAGE)
    client.force_login(world.user("leader"))
    response = client.get(f"/projects/projects/{project.pk}/", {"tab": "funds"})
    assert response.status_code == 200
    assert response.context["page_tab"] == tab and calls == [project.pk]
    assert "资金" in response.content.decode()


CALLS: list = []


def fake_funds_tab(request, project):
    CALLS.append(project.pk)
    return {"project_reports": [], "can_add_report": False}


def test_pairing_hub_projects_tab_includes_pairings_below(world, client):
    make_project(world, index=1, name="水城区的项目")
    make_project(world, in_scope=False, index=2, name="七星关区的项目")
    client.force_login(world.user("coordinator"))
    response = client.get(f"/pairings/pairings/{world.pairings['zs-lps'].pk}/", {"tab": "projects"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "水城区的项目" in body and "七星关区的项目" not in body
    assert response.context["project_rows"][0]["total"] == 1
