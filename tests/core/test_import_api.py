"""``/api/v1/imports/`` (aidtrack/core/imports/api.py): upload, poll, confirm or cancel.

The background check and commit are Celery tasks queued when the request's transaction
commits; without a broker they then run at once (the suite's tasks are eager). Here the
request's transaction is the test's, so ``run_tasks`` runs the commit callbacks once the
answer is made: the answer shows the job queued (or committing), and the next poll what
the work did, as a partner with a real worker sees it. Every answer is validated against
the OpenAPI document (openapi-core), as tests/core/test_openapi_contract.py does for the
resources.
"""

import json
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import NoReverseMatch, reverse
from openapi_core import OpenAPI
from openpyxl import load_workbook
from rest_framework.test import APIClient

from aidtrack.core.idempotency import HEADER, REPLAYED_HEADER
from aidtrack.core.imports.report import XLSX_CONTENT_TYPE
from aidtrack.core.models import ChangeRecord, ImportJob
from aidtrack.core.schema import SchemaGenerator
from aidtrack.core.testing import ADMIN, COORDINATOR, LEADER
from funds.models import FundAllocation
from tests.core.test_openapi_contract import check

URL = "/api/v1/imports/"
MODEL = "funds.fundallocation"
HEADER_ROW = "结对关系,年度,资金来源层级,金额（元）,用途,文号,下达日期"


def allocations_csv(world, *rows) -> bytes:
    """Fund allocations of the coordinator's in-scope pairing, as Excel saves a CSV (BOM)."""
    pairing = str(world.in_scope_pairing)
    rows = rows or (
        f"{pairing},2024,中央,1000000,产业帮扶,粤财〔2024〕1号,2024-03-01",
        f"{pairing},2024,省级,250000,教育帮扶,粤财〔2024〕2号,2024-04-15",
    )
    return "\n".join([HEADER_ROW, *rows]).encode("utf-8-sig")


@pytest.fixture(scope="module")
def contract():
    document = SchemaGenerator().get_schema(request=None, public=True)
    return OpenAPI.from_dict(json.loads(json.dumps(document)))


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def run_tasks(django_capture_on_commit_callbacks):
    """Run what a request queues after its commit (the check, the commit) before it answers."""

    def post(client, url, data=None, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data, **kwargs)

    return post


def client_for(world, role, *, write=True):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {world.token(role, write=write)}")
    return client


def upload(run_tasks, client, content: bytes, *, name="allocations.csv", model=MODEL, **kwargs):
    data = {"file": SimpleUploadedFile(name, content, content_type="text/csv"), "model": model}
    return run_tasks(client, URL, data, format="multipart", **kwargs)


def page_of(job_id) -> str | None:
    """The job's browser page, where the pages are installed."""
    try:
        return f"http://testserver{reverse('imports:job_detail', args=[job_id])}"
    except NoReverseMatch:
        return None


def polled(client, contract, job_id) -> dict:
    """The job as a poll finds it once its background work is done."""
    return check(contract, client.get(f"{URL}{job_id}/"), 200).json()


def test_upload_check_confirm_and_the_same_file_again(world, run_tasks, contract):
    client = client_for(world, COORDINATOR)
    content = allocations_csv(world)

    created = check(contract, upload(run_tasks, client, content), 201)
    assert created.json()["status"] == "queued"
    job = polled(client, contract, created.json()["id"])
    assert created["Location"].endswith(f"{URL}{job['id']}/")
    assert job["status"] == "checked" and job["can_commit"] and job["can_cancel"]
    assert job["model"] == MODEL and job["file_name"] == "allocations.csv"
    assert job["counts"] == {"new": 2, "changed": 0, "unchanged": 0, "invalid": 0}
    assert job["rows"] == 2 and job["error_count"] == 0 and job["errors"] == []
    assert job["created_by"] == "coord" and job["progress"] is None
    assert job["checked_at"] and job["check_seconds"] is not None
    assert job["committed_at"] is None and job["ignored_columns"] == []
    assert job["url"] == page_of(job["id"])
    assert job["companion_counts"] is None  # allocations carry no other records
    assert check(contract, client.get(f"{URL}{job['id']}/report/"), 404).json()["code"]
    assert not FundAllocation.objects.exists()  # a check writes nothing

    confirming = check(contract, run_tasks(client, f"{URL}{job['id']}/confirm/"), 202).json()
    assert confirming["status"] == "committing" and not confirming["can_commit"]
    assert not confirming["can_cancel"]
    confirmed = polled(client, contract, job["id"])
    assert confirmed["status"] == "committed" and not confirmed["can_commit"]
    assert confirmed["committed_at"] and confirmed["commit_seconds"] is not None
    allocations = FundAllocation.objects.order_by("amount")
    assert [(a.pairing, a.year, a.amount) for a in allocations] == [
        (world.in_scope_pairing, 2024, 250000),
        (world.in_scope_pairing, 2024, 1000000),
    ]
    records = ChangeRecord.objects.filter(table_name=FundAllocation._meta.db_table)
    assert {(r.action, r.source, r.request_id, r.actor_id) for r in records} == {
        ("create", "import", f"import-{job['id']}", world.user(COORDINATOR).pk)
    }
    assert records.count() == 2

    # Confirmed once; a second confirm is a conflict and writes nothing more.
    again = check(contract, run_tasks(client, f"{URL}{job['id']}/confirm/"), 409)
    assert again.json()["code"] == "conflict" and again.json()["message"]
    assert FundAllocation.objects.count() == 2

    # The same file again: every row is a record already there, so nothing would change.
    repeated = polled(client, contract, upload(run_tasks, client, content).json()["id"])
    assert repeated["status"] == "checked"
    assert repeated["counts"] == {"new": 0, "changed": 0, "unchanged": 2, "invalid": 0}
    run_tasks(client, f"{URL}{repeated['id']}/confirm/")
    assert FundAllocation.objects.count() == 2 and records.count() == 2


def test_a_bad_row_is_reported_by_row_and_column_and_cannot_be_confirmed(
    world, run_tasks, contract
):
    client = client_for(world, COORDINATOR)
    outside = str(world.out_of_scope_pairing)
    content = allocations_csv(
        world,
        f"{world.in_scope_pairing},2024,中央,1000000,产业帮扶,,",
        f"{outside},2024,中央,500000,,,",
        f"{world.in_scope_pairing},明年,中央,1000,,,",
    )
    created = check(contract, upload(run_tasks, client, content), 201)
    job = polled(client, contract, created.json()["id"])
    assert job["status"] == "invalid" and not job["can_commit"]
    assert job["counts"] == {"new": 1, "changed": 0, "unchanged": 0, "invalid": 2}
    assert job["error_count"] == len(job["errors"]) == 2
    by_row = {error["row"]: error for error in job["errors"]}
    assert set(by_row) == {3, 4}  # the header is row 1
    assert by_row[3]["column"] == "结对关系" and by_row[3]["message"]
    assert by_row[4]["column"] == "年度" and by_row[4]["message"]

    refused = check(contract, run_tasks(client, f"{URL}{job['id']}/confirm/"), 409)
    assert refused.json()["code"] == "conflict"
    assert not FundAllocation.objects.exists()
    assert ImportJob.objects.get(pk=job["id"]).status == ImportJob.Status.INVALID

    # The error report: the sheet again, each row's errors in a last column.
    report = check(contract, client.get(f"{URL}{job['id']}/report/"), 200)
    assert report["Content-Type"] == XLSX_CONTENT_TYPE
    assert report["Content-Disposition"].startswith("attachment;")
    assert report["X-Content-Type-Options"] == "nosniff"
    sheet = load_workbook(BytesIO(b"".join(report.streaming_content))).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][: len(HEADER_ROW.split(","))] == HEADER_ROW.split(",")
    assert [row[-1] is not None for row in rows[1:]] == [False, True, True]
    assert "结对关系" in rows[2][-1] and "年度" in rows[3][-1]


def test_a_file_that_cannot_be_read_is_a_refused_job_not_a_400(world, run_tasks, contract):
    client = client_for(world, COORDINATOR)
    content = "姓名,电话\n张三,13800000000\n".encode()
    created = check(contract, upload(run_tasks, client, content), 201)
    job = polled(client, contract, created.json()["id"])
    assert job["status"] == "refused" and job["message"]
    assert not job["can_commit"] and not job["can_cancel"]


def test_a_bad_model_or_a_missing_file_is_a_400_naming_the_field(world, run_tasks, contract):
    client = client_for(world, COORDINATOR)
    bad_model = upload(run_tasks, client, allocations_csv(world), model="funds.nothing")
    body = check(contract, bad_model, 400).json()
    assert body["code"] == "invalid" and set(body["errors"]) == {"model"}
    no_file = check(contract, run_tasks(client, URL, {"model": MODEL}, format="multipart"), 400)
    assert set(no_file.json()["errors"]) == {"file"}
    as_json = check(contract, run_tasks(client, URL, {"model": MODEL}, format="json"), 400)
    assert set(as_json.json()["errors"]) == {"file"}
    assert not ImportJob.objects.exists()


def test_who_may_upload(world, run_tasks, contract):
    read_only = client_for(world, COORDINATOR, write=False)
    response = check(contract, upload(run_tasks, read_only, allocations_csv(world)), 403)
    assert response.json()["code"] == "permission_denied"
    # A leader may import nothing: refused before the body is looked at.
    leader = client_for(world, LEADER)
    check(contract, upload(run_tasks, leader, allocations_csv(world)), 403)
    check(contract, run_tasks(leader, URL, {}, format="json"), 403)
    anonymous = upload(run_tasks, APIClient(), allocations_csv(world))
    check(contract, anonymous, 401)
    assert not ImportJob.objects.exists()


def test_a_job_is_its_importers(world, run_tasks, contract):
    admin = client_for(world, ADMIN)
    coordinator = client_for(world, COORDINATOR)
    theirs = upload(run_tasks, admin, allocations_csv(world)).json()
    mine = upload(run_tasks, coordinator, allocations_csv(world)).json()

    for path in (f"{URL}{theirs['id']}/", f"{URL}{theirs['id']}/confirm/"):
        call = coordinator.get if path.endswith(f"{theirs['id']}/") else coordinator.post
        response = check(contract, call(path), 404)
        assert response.json()["code"] == "not_found"
    check(contract, coordinator.post(f"{URL}{theirs['id']}/cancel/"), 404)
    assert ImportJob.objects.get(pk=theirs["id"]).status == ImportJob.Status.CHECKED

    listed = check(contract, coordinator.get(URL), 200).json()["results"]
    assert [job["id"] for job in listed] == [mine["id"]]
    # Administrators see every job, newest first, paged by cursor.
    first = check(contract, admin.get(URL, {"page_size": 1}), 200).json()
    assert [job["id"] for job in first["results"]] == [mine["id"]]
    following = check(contract, admin.get(first["next"]), 200).json()
    assert [job["id"] for job in following["results"]] == [theirs["id"]]
    assert following["next"] is None
    # (An answer with ``fields`` is a part of the documented one: not validated as a whole.)
    assert admin.get(URL, {"fields": "id,status"}).json()["results"] == [
        {"id": mine["id"], "status": "checked"},
        {"id": theirs["id"], "status": "checked"},
    ]
    # Leaders import nothing; their list is empty, not refused.
    assert check(contract, client_for(world, LEADER).get(URL), 200).json()["results"] == []


def test_cancel(world, run_tasks, contract):
    client = client_for(world, COORDINATOR)
    job = upload(run_tasks, client, allocations_csv(world)).json()
    cancelled = check(contract, run_tasks(client, f"{URL}{job['id']}/cancel/"), 200).json()
    assert cancelled["status"] == "cancelled" and not cancelled["can_cancel"]
    assert not cancelled["can_commit"]
    for step in ("cancel", "confirm"):
        response = check(contract, run_tasks(client, f"{URL}{job['id']}/{step}/"), 409)
        assert response.json()["code"] == "conflict"
    assert not FundAllocation.objects.exists()
    # A read-only token may not cancel either.
    read_only = client_for(world, COORDINATOR, write=False)
    check(contract, read_only.post(f"{URL}{job['id']}/cancel/"), 403)


def test_progress_is_shown_while_a_job_runs(world, run_tasks, contract):
    client = client_for(world, COORDINATOR)
    # Queued, not yet run: nothing has run its commit callbacks.
    data = {"file": SimpleUploadedFile("a.csv", allocations_csv(world)), "model": MODEL}
    job = check(contract, client.post(URL, data, format="multipart"), 201).json()
    assert job["status"] == "queued" and job["can_cancel"]
    assert job["progress"] == {"phase": "check", "rows": 0}


def test_unknown_query_parameters_are_a_400(world, contract):
    client = client_for(world, COORDINATOR)
    for path in (URL, f"{URL}1/"):
        response = check(contract, client.get(path, {"statu": "checked"}), 400)
        assert set(response.json()["errors"]) == {"statu"}
    response = check(contract, client.post(f"{URL}1/confirm/?now=1"), 400)
    assert set(response.json()["errors"]) == {"now"}


def test_an_idempotency_key_replays_the_upload(world, run_tasks):
    client = client_for(world, COORDINATOR)
    content = allocations_csv(world)
    first = upload(run_tasks, client, content, headers={HEADER: "upload-1"})
    assert first.status_code == 201 and REPLAYED_HEADER not in first
    again = upload(run_tasks, client, content, headers={HEADER: "upload-1"})
    assert again.status_code == 201 and again[REPLAYED_HEADER] == "true"
    assert again.content == first.content and again["Location"] == first["Location"]
    assert ImportJob.objects.count() == 1
    # The same key with another file is another request.
    other = upload(run_tasks, client, content + b"\n", headers={HEADER: "upload-1"})
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    assert ImportJob.objects.count() == 1


def test_a_confirm_retried_with_its_key_commits_once(world, run_tasks):
    client = client_for(world, COORDINATOR)
    job_id = upload(run_tasks, client, allocations_csv(world)).json()["id"]
    url = f"{URL}{job_id}/confirm/"
    first = run_tasks(client, url, headers={HEADER: "confirm-1"})
    again = run_tasks(client, url, headers={HEADER: "confirm-1"})
    assert first.status_code == again.status_code == 202
    assert again[REPLAYED_HEADER] == "true" and again.content == first.content
    assert FundAllocation.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_the_answers_already_show_the_work_done(world, media_root):
    """No transaction around the request: the eager tasks run as it commits, before it answers."""
    client = client_for(world, COORDINATOR)
    data = {"file": SimpleUploadedFile("a.csv", allocations_csv(world)), "model": MODEL}
    job = client.post(URL, data, format="multipart").json()
    assert job["status"] == "checked" and job["counts"]["new"] == 2
    confirmed = client.post(f"{URL}{job['id']}/confirm/")
    assert confirmed.status_code == 202 and confirmed.json()["status"] == "committed"
    assert FundAllocation.objects.count() == 2


def test_companion_counts_are_shown_when_the_rows_carried_other_records(world, run_tasks):
    """A roster's rows carry their people's deployments (tests/cadres/test_import_roster.py)."""
    client = client_for(world, COORDINATOR)
    job_id = upload(run_tasks, client, allocations_csv(world)).json()["id"]
    carried = {"new": 2, "changed": 0, "unchanged": 1, "invalid": 0}
    ImportJob.objects.filter(pk=job_id).update(companion_counts=carried)
    assert client.get(f"{URL}{job_id}/").json()["companion_counts"] == carried
