"""In a real browser: a coordinator imports a sheet of fund allocations, as a new user would.

From the list page's Import button: download the template, fill it in (with
openpyxl, as Excel would save it), upload it, read the preview with an error
on a bad row, fix the file, upload it again, confirm, and find the rows in
the list. Under the Content-Security-Policy, so the page's script is a file.
"""

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook
from playwright.sync_api import expect

from aidtrack.core.imports import jobs
from aidtrack.core.imports.spec import ImportPlan
from aidtrack.core.models import ImportJob
from aidtrack.core.testing import COORDINATOR
from funds.models import FundAllocation
from funds.views import FundAllocationViews
from tests.e2e.test_content_security_policy import COLLECT_VIOLATIONS, violations
from tests.e2e.test_first_visit import log_in

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def fill(template, target, world, rows):
    """The downloaded template with ``rows`` (by field name) from row 2, saved as ``target``."""
    workbook = load_workbook(template)
    sheet = workbook.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    # The template's headers, in the page's language; the fields are named here.
    by_field = {
        "pairing": lambda row: str(world.in_scope_pairing),
        "year": lambda row: row["year"],
        "source_level": lambda row: "市级",
        "amount": lambda row: row["amount"],
        "purpose": lambda row: "产业发展",
        "document_reference": lambda row: row["reference"],
        "allocated_on": lambda row: "2023年5月1日",
    }
    with translation.override("zh-hans"):  # the pages' language, so the template's
        plan = ImportPlan(FundAllocationViews, world.user(COORDINATOR))
        names = {column.header: column.name for column in plan.columns}
    sheet.delete_rows(2, sheet.max_row)  # the example row
    for number, row in enumerate(rows, start=2):
        for position, text in enumerate(header, start=1):
            sheet.cell(row=number, column=position, value=by_field[names[text]](row))
    workbook.save(target)
    return target


def upload(page, path):
    page.set_input_files("#id_file", str(path))
    with page.expect_navigation():
        page.click("#import-form button[type=submit]")
    page.wait_for_selector("#import-job")


def count(page, kind) -> str:
    return page.locator(f"[data-count={kind}]").inner_text()


def test_coordinator_imports_a_sheet_of_fund_allocations(world, live_server, page, tmp_path):
    page.add_init_script(COLLECT_VIOLATIONS)
    log_in(page, live_server, "coord")
    page.wait_for_url("**/pairings/pairings/")
    page.goto(f"{live_server.url}{reverse('funds:fundallocation_list')}")
    page.click("#import-button")
    page.wait_for_url("**/imports/new/?model=funds.fundallocation")
    assert page.locator("#id_model").input_value() == "funds.fundallocation"

    with page.expect_download() as download:
        page.click("#template-link")
    template = tmp_path / "template.xlsx"
    download.value.save_as(template)
    assert download.value.suggested_filename.endswith(".xlsx")

    good = {"year": 2023, "amount": 1200000, "reference": "中财农〔2023〕12号"}
    bad = {"year": 2024, "amount": "很多", "reference": "中财农〔2024〕3号"}
    upload(page, fill(template, tmp_path / "资金下达.xlsx", world, [good, bad]))
    assert page.locator("#import-job").get_attribute("data-status") == "invalid"
    assert (count(page, "new"), count(page, "invalid")) == ("1", "1")
    error = page.locator("#import-errors tbody tr").first.inner_text()
    assert error.startswith("3")  # the bad row: the header is row 1
    assert page.locator("#import-confirm").count() == 0
    assert page.locator("#import-report").is_visible()
    assert FundAllocation.objects.count() == 0

    # Fixed, and uploaded again from the job page.
    bad["amount"] = 800000
    page.click(f"a[href*='{reverse('imports:job_add')}']")
    page.wait_for_url("**/imports/new/?model=funds.fundallocation")
    upload(page, fill(template, tmp_path / "资金下达（改）.xlsx", world, [good, bad]))
    assert page.locator("#import-job").get_attribute("data-status") == "checked"
    assert (count(page, "new"), count(page, "invalid")) == ("2", "0")

    with page.expect_navigation():
        page.click("#import-confirm")
    page.wait_for_selector("#import-job[data-status=committed]")
    assert page.locator(".alert-success").is_visible()
    assert violations(page) == []

    page.click(f"a.btn[href='{reverse('funds:fundallocation_list')}']")
    page.wait_for_url("**/funds/allocations/")
    table = page.locator("table").first.inner_text()
    assert "中财农〔2023〕12号" in table and "中财农〔2024〕3号" in table
    assert sorted(FundAllocation.objects.values_list("amount", flat=True)) == [
        Decimal("800000.00"),
        Decimal("1200000.00"),
    ]

    page.goto(f"{live_server.url}{reverse('imports:job_list')}")
    history = page.locator("#import-jobs").inner_text()
    assert "资金下达（改）.xlsx" in history and "资金下达.xlsx" in history
    assert violations(page) == []


def test_the_job_page_follows_a_running_import_and_reloads_when_done(
    world, live_server, page, tmp_path
):
    """Progress comes from the server (a reload shows the same); the end reloads the page."""
    page.add_init_script(COLLECT_VIOLATIONS)
    job = ImportJob.objects.create(
        model="funds.fundallocation",
        file="funds/x/a.csv",
        file_name="a.csv",
        language="zh-hans",
        status=ImportJob.Status.COMMITTING,
        rows=4000,
        counts={"new": 4000, "changed": 0, "unchanged": 0, "invalid": 0},
        created_by=world.user(COORDINATOR),
    )
    # What the running commit reports (jobs keeps it in the cache).
    jobs._report(job.pk, "commit")("rows", 1000)
    log_in(page, live_server, "coord")
    page.wait_for_url("**/pairings/pairings/")
    page.goto(f"{live_server.url}{reverse('imports:job_detail', args=[job.pk])}")
    bar = page.locator("[data-import-bar]")
    assert bar.get_attribute("data-width") == "25"
    assert "1000" in page.locator("[data-import-progress]").inner_text()

    jobs._report(job.pk, "commit")("rows", 3000)
    # (wait_for_function would evaluate a string, which the policy refuses)
    expect(bar).to_have_attribute("style", re.compile(r"width:\s*75%"), timeout=5000)
    expect(page.locator("[data-import-progress]")).to_contain_text("3000")

    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.COMMITTED)
    page.wait_for_selector("#import-job[data-status=committed]", timeout=5000)
    assert page.locator("[data-import-poll]").count() == 0
    assert violations(page) == []
