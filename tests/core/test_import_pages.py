"""The import pages: upload, preview, confirm or cancel, the history, the template and the report.

Tasks run in the test's process (tests/conftest.py), after the request's
transaction commits: each upload and confirmation runs its on-commit callbacks,
so the page that follows shows the job as checked or committed.
"""

import csv
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook, load_workbook

from aidtrack.core.imports.spec import ImportPlan
from aidtrack.core.models import ChangeRecord, ImportJob
from aidtrack.core.testing import ADMIN, COORDINATOR, LEADER, PARTNER
from funds.models import FundAllocation
from funds.views import FundAllocationViews
from tests.factories import UserFactory

MODEL = "funds.fundallocation"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def headers(world) -> dict[str, str]:
    """The template's headers of fund allocations by field name, as a coordinator sees them."""
    with translation.override("zh-hans"):
        plan = ImportPlan(FundAllocationViews, world.user(COORDINATOR))
        return {column.name: column.header for column in plan.columns}


def allocations_csv(world, rows) -> SimpleUploadedFile:
    """A CSV of fund allocations (UTF-8 with a BOM, as Excel saves it); rows by field name."""
    names = headers(world)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(names.values())
    for row in rows:
        writer.writerow([row.get(name, "") for name in names])
    return SimpleUploadedFile("资金下达.csv", buffer.getvalue().encode("utf-8-sig"), "text/csv")


def allocation(world, **fields) -> dict:
    row = {
        "pairing": str(world.in_scope_pairing),
        "year": "2023",
        "source_level": "city",
        "amount": "1200000",
        "purpose": "产业发展",
        "document_reference": "中财农〔2023〕12号",
        "allocated_on": "2023-5-1",
    }
    row.update(fields)
    return row


def upload(client, django_capture_on_commit_callbacks, uploaded, model=MODEL):
    """Post the upload form; the check runs when the request's transaction commits."""
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("imports:job_add"), {"model": model, "file": uploaded})


def post(client, django_capture_on_commit_callbacks, url):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(url)


@pytest.fixture
def coordinator(world):
    return client_for(world.user(COORDINATOR))


@pytest.fixture
def checked_job(world, coordinator, django_capture_on_commit_callbacks):
    rows = [allocation(world), allocation(world, year="2024", amount="800000")]
    response = upload(coordinator, django_capture_on_commit_callbacks, allocations_csv(world, rows))
    assert response.status_code == 302
    return ImportJob.objects.get()


def test_upload_preview_and_confirm_commits_the_rows(
    world, coordinator, checked_job, django_capture_on_commit_callbacks
):
    detail = reverse("imports:job_detail", args=[checked_job.pk])
    assert checked_job.status == ImportJob.Status.CHECKED
    assert FundAllocation.objects.count() == 0  # the check writes nothing

    page = coordinator.get(detail)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-count="new">2<' in html
    assert 'data-count="invalid">0<' in html
    assert reverse("imports:job_confirm", args=[checked_job.pk]) in html
    assert "data-import-poll" not in html  # nothing runs: nothing to follow

    response = post(
        coordinator,
        django_capture_on_commit_callbacks,
        reverse("imports:job_confirm", args=[checked_job.pk]),
    )
    assert response.status_code == 302 and response["Location"] == detail
    checked_job.refresh_from_db()
    assert checked_job.status == ImportJob.Status.COMMITTED
    allocations = FundAllocation.objects.order_by("year")
    assert [(a.year, a.amount) for a in allocations] == [
        (2023, Decimal("1200000.00")),
        (2024, Decimal("800000.00")),
    ]
    sources = set(
        ChangeRecord.objects.filter(table_name=FundAllocation._meta.db_table).values_list(
            "source", flat=True
        )
    )
    assert sources == {"import"}

    html = coordinator.get(detail).content.decode()
    assert 'data-status="committed"' in html
    assert reverse("funds:fundallocation_list") in html
    assert reverse("imports:job_confirm", args=[checked_job.pk]) not in html

    history = coordinator.get(reverse("imports:job_list")).content.decode()
    assert "资金下达.csv" in history
    assert str(FundAllocation._meta.verbose_name_plural) in history


def test_the_same_file_again_changes_nothing(
    world, coordinator, django_capture_on_commit_callbacks
):
    uploaded = [allocation(world)]
    upload(coordinator, django_capture_on_commit_callbacks, allocations_csv(world, uploaded))
    first = ImportJob.objects.get()
    post(
        coordinator,
        django_capture_on_commit_callbacks,
        reverse("imports:job_confirm", args=[first.pk]),
    )
    upload(coordinator, django_capture_on_commit_callbacks, allocations_csv(world, uploaded))
    again = ImportJob.objects.exclude(pk=first.pk).get()
    assert again.counts["unchanged"] == 1 and again.counts["new"] == 0
    html = coordinator.get(reverse("imports:job_detail", args=[again.pk])).content.decode()
    assert 'data-count="unchanged">1<' in html


def test_an_invalid_row_shows_its_row_and_column_and_cannot_be_confirmed(
    world, coordinator, django_capture_on_commit_callbacks
):
    rows = [allocation(world), allocation(world, year="2024", amount="很多")]
    upload(coordinator, django_capture_on_commit_callbacks, allocations_csv(world, rows))
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.INVALID
    page = coordinator.get(reverse("imports:job_detail", args=[job.pk]))
    html = page.content.decode()
    amount_header = headers(world)["amount"]
    assert f"<td>3</td><td>{amount_header}</td>" in html  # row 3: the header is row 1
    assert 'data-count="invalid">1<' in html
    assert reverse("imports:job_confirm", args=[job.pk]) not in html
    assert reverse("imports:job_report", args=[job.pk]) in html

    # Confirming anyway is refused, and nothing is written.
    response = post(
        coordinator,
        django_capture_on_commit_callbacks,
        reverse("imports:job_confirm", args=[job.pk]),
    )
    assert response.status_code == 302
    assert FundAllocation.objects.count() == 0
    job.refresh_from_db()
    assert job.status == ImportJob.Status.INVALID


def test_the_error_report_is_the_sheet_with_an_error_column(
    world, coordinator, django_capture_on_commit_callbacks
):
    rows = [allocation(world), allocation(world, year="2024", amount="很多")]
    upload(coordinator, django_capture_on_commit_callbacks, allocations_csv(world, rows))
    job = ImportJob.objects.get()
    response = coordinator.get(reverse("imports:job_report", args=[job.pk]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    names = list(headers(world).values())
    sheet = [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
    assert sheet[0][: len(names)] == names
    assert len(sheet[0]) == len(names) + 1  # the error column, last
    assert sheet[1][-1] is None  # row 2 passed
    assert sheet[2][-1].startswith(f"{headers(world)['amount']}: ")
    assert sheet[2][names.index(headers(world)["amount"])] == "很多"


def test_cancel_before_confirming(
    world, coordinator, checked_job, django_capture_on_commit_callbacks
):
    response = post(
        coordinator,
        django_capture_on_commit_callbacks,
        reverse("imports:job_cancel", args=[checked_job.pk]),
    )
    assert response.status_code == 302
    checked_job.refresh_from_db()
    assert checked_job.status == ImportJob.Status.CANCELLED
    html = coordinator.get(reverse("imports:job_detail", args=[checked_job.pk])).content.decode()
    assert reverse("imports:job_confirm", args=[checked_job.pk]) not in html
    assert reverse("imports:job_cancel", args=[checked_job.pk]) not in html
    # A cancelled job cannot be confirmed afterwards.
    post(
        coordinator,
        django_capture_on_commit_callbacks,
        reverse("imports:job_confirm", args=[checked_job.pk]),
    )
    assert FundAllocation.objects.count() == 0


def test_the_status_answers_json(world, coordinator, checked_job):
    state = coordinator.get(reverse("imports:job_status", args=[checked_job.pk])).json()
    assert state["status"] == "checked"
    assert state["finished"] is True
    assert state["counts"]["new"] == 2
    assert state["status_label"] == str(checked_job.get_status_display())


def test_a_running_job_is_followed_by_its_page(world, coordinator, checked_job):
    ImportJob.objects.filter(pk=checked_job.pk).update(status=ImportJob.Status.COMMITTING)
    html = coordinator.get(reverse("imports:job_detail", args=[checked_job.pk])).content.decode()
    assert f'data-import-poll="{reverse("imports:job_status", args=[checked_job.pk])}"' in html
    assert "js/imports.js" in html
    state = coordinator.get(reverse("imports:job_status", args=[checked_job.pk])).json()
    assert state["finished"] is False and state["total"] == 2


def test_another_users_job_is_not_found(world, checked_job):
    other = UserFactory(username="coord2", role="coordinator")
    other.scope_pairings.set([world.in_scope_pairing])
    client = client_for(other)
    for name in ("job_detail", "job_status", "job_file", "job_report"):
        assert client.get(reverse(f"imports:{name}", args=[checked_job.pk])).status_code == 404
    for name in ("job_confirm", "job_cancel"):
        assert client.post(reverse(f"imports:{name}", args=[checked_job.pk])).status_code == 404
    assert "资金下达.csv" not in client.get(reverse("imports:job_list")).content.decode()
    # An administrator sees every job.
    admin = client_for(world.user(ADMIN))
    assert admin.get(reverse("imports:job_detail", args=[checked_job.pk])).status_code == 200
    assert "资金下达.csv" in admin.get(reverse("imports:job_list")).content.decode()


def test_the_stored_file_downloads_as_uploaded(world, coordinator, checked_job):
    response = coordinator.get(reverse("imports:job_file", args=[checked_job.pk]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert (
        b"".join(response.streaming_content)
        .decode("utf-8-sig")
        .startswith(headers(world)["pairing"])
    )


def test_who_may_open_the_upload_page(world):
    assert client_for(world.user(LEADER)).get(reverse("imports:job_add")).status_code == 403
    assert client_for(world.user(PARTNER)).get(reverse("imports:job_add")).status_code == 403
    anonymous = Client().get(reverse("imports:job_add"))
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    page = client_for(world.user(COORDINATOR)).get(f"{reverse('imports:job_add')}?model={MODEL}")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'value="{MODEL}" selected' in html
    assert reverse("imports:template", args=[MODEL]) in html


def test_the_upload_form_refuses_what_it_cannot_take(world, coordinator):
    url = reverse("imports:job_add")
    no_file = coordinator.post(url, {"model": MODEL})
    assert no_file.status_code == 400
    wrong_type = coordinator.post(
        url, {"model": MODEL, "file": SimpleUploadedFile("a.pdf", b"%PDF-1.7", "application/pdf")}
    )
    assert wrong_type.status_code == 400
    assert ".xlsx" in wrong_type.content.decode()
    unknown = coordinator.post(
        url, {"model": "accounts.user", "file": allocations_csv(world, [allocation(world)])}
    )
    assert unknown.status_code == 400
    assert ImportJob.objects.count() == 0


def test_the_template_downloads_with_the_headers(world, coordinator):
    response = coordinator.get(reverse("imports:template", args=[MODEL]))
    assert response.status_code == 200
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    first = [cell.value for cell in workbook.worksheets[0][1]]
    assert first == list(headers(world).values())
    assert len(workbook.worksheets) >= 2  # the instructions
    assert (
        client_for(world.user(LEADER)).get(reverse("imports:template", args=[MODEL])).status_code
        == 403
    )
    assert coordinator.get(reverse("imports:template", args=["accounts.user"])).status_code == 404


def test_the_list_page_offers_import_to_those_who_may(world):
    url = reverse("funds:fundallocation_list")
    coordinator_page = client_for(world.user(COORDINATOR)).get(url).content.decode()
    assert f"{reverse('imports:job_add')}?model={MODEL}" in coordinator_page
    assert 'id="import-button"' in coordinator_page
    leader_page = client_for(world.user(LEADER)).get(url).content.decode()
    assert 'id="import-button"' not in leader_page
    # A model without an import has no button.
    regions = client_for(world.user(ADMIN)).get(reverse("pairings:region_list")).content.decode()
    assert 'id="import-button"' not in regions


def stored_job(world, **fields) -> ImportJob:
    """A job as a run leaves it (the page shows what the job holds)."""
    values = {
        "model": MODEL,
        "file": "core/x/a.csv",
        "file_name": "a.csv",
        "language": "zh-hans",
        "created_by": world.user(COORDINATOR),
    }
    values.update(fields)
    return ImportJob.objects.create(**values)


def test_the_preview_shows_changes_before_and_after(world, coordinator):
    job = stored_job(
        world,
        status=ImportJob.Status.CHECKED,
        rows=1,
        counts={"new": 0, "changed": 1, "unchanged": 0, "invalid": 0},
        changes=[
            {
                "row": 2,
                "record": "XM-001 希望小学",
                "fields": [{"column": "预算（元）", "before": "100.00", "after": "120.00"}],
            }
        ],
    )
    html = coordinator.get(reverse("imports:job_detail", args=[job.pk])).content.decode()
    assert 'id="import-changes"' in html
    assert "XM-001 希望小学" in html
    assert '<td class="history-old">100.00</td><td class="history-new">120.00</td>' in html


def test_a_long_error_list_is_cut_and_points_to_the_report(world, coordinator):
    errors = [{"row": n, "column": "年度", "message": "请输入数字"} for n in range(2, 302)]
    job = stored_job(
        world,
        status=ImportJob.Status.INVALID,
        rows=300,
        counts={"new": 0, "changed": 0, "unchanged": 0, "invalid": 300},
        errors=errors,
        error_count=300,
    )
    html = coordinator.get(reverse("imports:job_detail", args=[job.pk])).content.decode()
    assert html.count("<td>请输入数字</td>") == 200
    assert "200" in html and "300" in html
    assert reverse("imports:job_report", args=[job.pk]) in html


def test_a_refused_file_says_why(world, coordinator):
    job = stored_job(world, status=ImportJob.Status.REFUSED, message="文件不是 Excel 工作簿。")
    html = coordinator.get(reverse("imports:job_detail", args=[job.pk])).content.decode()
    assert "文件不是 Excel 工作簿。" in html
    assert reverse("imports:job_confirm", args=[job.pk]) not in html
    assert reverse("imports:job_report", args=[job.pk]) not in html
    assert coordinator.get(reverse("imports:job_report", args=[job.pk])).status_code == 404


def test_columns_the_import_does_not_know_are_named_as_ignored(
    world, coordinator, django_capture_on_commit_callbacks
):
    names = headers(world)
    row = allocation(world)
    text = ",".join([*names.values(), "内部编号"]) + "\n"
    text += ",".join([*(row[name] for name in names), "A-7"]) + "\n"
    uploaded = SimpleUploadedFile("多一列.csv", text.encode("utf-8"), "text/csv")
    upload(coordinator, django_capture_on_commit_callbacks, uploaded)
    job = ImportJob.objects.get()
    assert job.ignored_columns == ["内部编号"]
    html = coordinator.get(reverse("imports:job_detail", args=[job.pk])).content.decode()
    assert 'id="import-ignored">内部编号' in html


def test_the_error_report_writes_a_formula_back_as_its_text(
    world, coordinator, django_capture_on_commit_callbacks
):
    names = headers(world)
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(names.values()))
    row = allocation(world, amount="=1000*1200")
    sheet.append([row[name] for name in names])
    buffer = io.BytesIO()
    workbook.save(buffer)
    uploaded = SimpleUploadedFile("公式.xlsx", buffer.getvalue())
    upload(coordinator, django_capture_on_commit_callbacks, uploaded)
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.INVALID
    assert [(e["row"], e["column"]) for e in job.errors] == [(2, names["amount"])]

    response = coordinator.get(reverse("imports:job_report", args=[job.pk]))
    report = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    cells = list(report.worksheets[0][2])
    amount = cells[list(names).index("amount")]
    assert (amount.value, amount.data_type) == ("=1000*1200", "s")  # text, never a formula
    assert cells[-1].value.startswith(f"{names['amount']}: ")
