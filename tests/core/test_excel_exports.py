"""Exports made for Excel: amounts and percentages are numbers under headers naming their unit.

The project list is the example the issue names: its budget was exported as
the text "1,787.00万元" under 预算（元）, its progress as the text "80%".
"""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation
from openpyxl import load_workbook

from aidtrack.core.testing import COORDINATOR
from aidtrack.core.xlsx import MONEY_FORMAT, PERCENT_FORMAT, stream_workbook
from projects.models import ProgressUpdate
from tests.factories import ProjectFactory

PROJECTS = "/projects/projects/"


def in_chinese(text: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(text)


def _body(response) -> bytes:
    assert response.status_code == 200
    return b"".join(response.streaming_content)


@pytest.fixture
def projects(world, client):
    """Two projects of the coordinator's pairing, one 80% done, and the coordinator's browser."""
    pairing = world.in_scope_pairing
    first = ProjectFactory(pairing=pairing, budget=Decimal("17870000.00"))
    ProjectFactory(pairing=pairing, budget=Decimal("250000.50"))
    ProgressUpdate.objects.create(project=first, date=date(2023, 6, 1), percent=80)
    client.force_login(world.user(COORDINATOR))
    return client


def _sheet(client):
    body = _body(client.get(PROJECTS, {"export": "xlsx", "sort": "-budget"}))
    return load_workbook(io.BytesIO(body)).active


class TestProjectListInExcel:
    def test_budget_is_a_number_of_yuan_formatted_with_two_decimals(self, projects):
        sheet = _sheet(projects)
        header = [cell.value for cell in sheet[1]]
        column = header.index(in_chinese("budget (yuan)")) + 1  # 预算（元）
        budget = sheet.cell(row=2, column=column)
        assert budget.data_type == "n"
        assert Decimal(str(budget.value)) == Decimal("17870000")
        assert budget.number_format == MONEY_FORMAT == "#,##0.00"

    def test_progress_is_a_fraction_formatted_as_a_percentage(self, projects):
        sheet = _sheet(projects)
        header = [cell.value for cell in sheet[1]]
        column = header.index(in_chinese("progress")) + 1
        progress = sheet.cell(row=2, column=column)
        assert progress.value == pytest.approx(0.8)
        assert progress.number_format == PERCENT_FORMAT == "0%"
        assert sheet.cell(row=3, column=column).value is None  # no progress yet: empty

    def test_totals_row_is_the_budget_sum_in_bold(self, projects):
        sheet = _sheet(projects)
        header = [cell.value for cell in sheet[1]]
        column = header.index(in_chinese("budget (yuan)")) + 1
        last = sheet.max_row
        assert last == 4  # header, two projects, totals
        assert sheet.cell(row=last, column=1).value == in_chinese("Total")
        total = sheet.cell(row=last, column=column)
        assert Decimal(str(total.value)) == Decimal("18120000.50")
        assert total.number_format == MONEY_FORMAT
        assert total.font.b and sheet.cell(row=1, column=1).font.b

    def test_header_frozen_dates_typed_columns_sized(self, projects):
        sheet = _sheet(projects)
        assert sheet.freeze_panes == "A2"
        header = [cell.value for cell in sheet[1]]
        column = header.index(in_chinese("planned end date")) + 1
        for letter, dimension in sheet.column_dimensions.items():
            assert 8 <= dimension.width <= 50, letter
        name_width = sheet.column_dimensions["B"].width  # 测试项目N: Chinese counts double
        assert name_width >= 2 * len("测试项目0")
        assert sheet.cell(row=2, column=column).value is None or (
            sheet.cell(row=2, column=column).is_date
        )

    def test_csv_has_plain_numbers_and_percentages_excel_reads(self, projects):
        body = _body(projects.get(PROJECTS, {"export": "csv", "sort": "-budget"}))
        rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
        header = rows[0]
        budget = header.index(in_chinese("budget (yuan)"))
        progress = header.index(in_chinese("progress"))
        assert rows[1][budget] == "17870000.00"  # never "1,787.00万元"
        assert rows[1][progress] == "80%"
        assert rows[2][progress] == ""
        assert rows[-1][budget] == "18120000.50"

    def test_the_page_still_shows_ten_thousands_and_percent(self, projects):
        html = projects.get(PROJECTS, {"sort": "-budget"}).content.decode()
        # Amounts in 万元 under a header naming the unit (core.money.in_wan), progress in %.
        assert ">1,787.00<" in html and "（万元）" in html
        assert ">80%<" in html


class TestWriter:
    def test_formats_apply_to_numbers_only_and_the_footer_is_bold(self):
        rows = [["a", Decimal("1234.5"), 0.25], ["b", None, None]]
        data = b"".join(
            stream_workbook(
                "s",
                ["名称", "金额（元）", "进度"],
                iter(rows),
                formats=[None, MONEY_FORMAT, PERCENT_FORMAT],
                footer=lambda: ["合计", Decimal("1234.5"), None],
            )
        )
        sheet = load_workbook(io.BytesIO(data)).active
        assert sheet["A2"].number_format == "General"
        assert (sheet["B2"].number_format, sheet["C2"].number_format) == ("#,##0.00", "0%")
        assert sheet["A4"].value == "合计" and sheet["A4"].font.b and sheet["B4"].font.b
        assert sheet["B4"].number_format == "#,##0.00"
        assert not sheet["A2"].font.b

    def test_a_footer_of_none_writes_no_row(self):
        data = b"".join(stream_workbook("s", ["a"], iter([[1]]), footer=lambda: None))
        assert load_workbook(io.BytesIO(data)).active.max_row == 2
