"""The streaming XLSX writer: what a spreadsheet reads back is what was written, typed."""

import hashlib
import io
from datetime import date, datetime
from decimal import Decimal

from openpyxl import load_workbook

from aidtrack.core.xlsx import ROWS_PER_WRITE, stream_workbook


def read_back(sheet_name, header, rows):
    data = b"".join(stream_workbook(sheet_name, header, iter(rows)))
    return load_workbook(io.BytesIO(data)).active


def test_values_keep_their_types_and_text_is_never_a_formula():
    row = [
        '=HYPERLINK("http://x","y")',
        "#N/A",
        "+cmd|' /C calc'!A0",
        "a\x01b <&> \"'",
        Decimal("-1787.50"),
        42,
        1.25,
        True,
        date(2023, 5, 1),
        datetime(2023, 5, 1, 13, 30),
        None,
        "中山市 → 六盘水市",
    ]
    sheet = read_back("人员", [f"列{index}" for index in range(len(row))], [row])
    cells = list(sheet.iter_rows(min_row=2, values_only=False))[0]
    assert [cell.data_type for cell in cells[:4]] == ["s"] * 4
    assert cells[0].value == '=HYPERLINK("http://x","y")'
    assert cells[1].value == "#N/A"
    assert cells[3].value == "ab <&> \"'"  # a control character XML cannot carry is dropped
    assert cells[4].value == Decimal("-1787.5") and cells[4].data_type == "n"
    assert (cells[5].value, cells[6].value, cells[7].value) == (42, 1.25, True)
    assert cells[8].value == datetime(2023, 5, 1) and cells[8].number_format == "yyyy-mm-dd"
    assert cells[9].value == datetime(2023, 5, 1, 13, 30)
    assert cells[10].value is None
    assert cells[11].value == "中山市 → 六盘水市"


def test_header_is_frozen_and_the_sheet_name_is_one_excel_accepts():
    sheet = read_back("fund transactions: 2023/[all]*?" + "x" * 40, ["a", "b"], [["1", "2"]])
    assert sheet.freeze_panes == "A2"
    assert sheet.title == ("fund transactions 2023 all " + "x" * 40)[:31]
    assert [cell.value for cell in sheet[1]] == ["a", "b"]


def test_rows_stream_out_as_they_are_written():
    """The file leaves in pieces while the rows are still being read: memory stays flat."""
    total = 20 * ROWS_PER_WRITE * 5
    consumed = 0

    def rows():
        nonlocal consumed
        for number in range(total):
            consumed += 1
            yield [number, hashlib.sha256(str(number).encode()).hexdigest()]

    pieces, consumed_at = [], []
    for piece in stream_workbook("s", ["n", "digest"], rows()):
        if piece:
            pieces.append(piece)
            consumed_at.append(consumed)
    assert sum(1 for at in consumed_at if 0 < at < total) > 5
    sheet = load_workbook(io.BytesIO(b"".join(pieces)), read_only=True).active
    values = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(values) == total
    assert values[-1][0] == total - 1
