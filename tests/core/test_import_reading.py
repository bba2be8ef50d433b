"""Opening an uploaded sheet: real workbooks read typed, hostile files refused cleanly.

Workbooks are made here, with openpyxl or by hand as zips of XML parts; the
hostile ones (a zip bomb, an entity bomb, macros, files that are not what
their name says) are built in memory or under tmp_path, never committed.
"""

import codecs
import io
import random
import tracemalloc
import zipfile
from datetime import date, datetime, time
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import translation
from openpyxl import Workbook
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from aidtrack.core.imports.excel_values import excel_datetime, format_kind
from aidtrack.core.imports.reading import FileRefused, Formula, Sheet, open_sheet

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE = "http://schemas.openxmlformats.org/package/2006"
SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


# -- making files ---------------------------------------------------------------------


def openpyxl_xlsx(rows, *, write_only=False, setup=None) -> bytes:
    """A workbook saved by openpyxl: shared strings, or inline strings when write-only."""
    workbook = Workbook(write_only=write_only)
    sheet = workbook.create_sheet("台账") if write_only else workbook.active
    if setup:
        setup(workbook, sheet)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def cell_xml(reference, value) -> str:
    if isinstance(value, str):
        return f'<c r="{reference}" t="inlineStr"><is><t>{value}</t></is></c>'
    return f'<c r="{reference}"><v>{value}</v></c>'


def sheet_xml(rows, *, after="", before="") -> str:
    """A worksheet part: ``rows`` are (row number, {column letter: value or raw <c> XML})."""
    body = []
    for number, cells in rows:
        xml = "".join(
            value
            if isinstance(value, str) and value.startswith("<c")
            else cell_xml(f"{c}{number}", value)
            for c, value in cells.items()
        )
        body.append(f'<row r="{number}">{xml}</row>')
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{before}<worksheet xmlns="{MAIN}">'
        f"<sheetData>{''.join(body)}</sheetData>{after}</worksheet>"
    )


def hand_made_xlsx(
    sheet: str | bytes | None = None,
    *,
    sheets=None,
    styles: str | None = None,
    shared_strings: str | None = None,
    workbook_extra: str = "",
    content_types: str | None = None,
    extra_parts: dict | None = None,
    namespace: str = MAIN,
) -> bytes:
    """A minimal .xlsx written part by part.

    ``sheets`` lists (name, part XML, state) in workbook order; by default one
    visible sheet holding ``sheet``.
    """
    sheets = sheets or [("Sheet1", sheet, "visible")]
    entries = "".join(
        f'<sheet name="{name}" sheetId="{index}" state="{state}" r:id="rId{index}"/>'
        for index, (name, _xml, state) in enumerate(sheets, 1)
    )
    links = [
        (f"rId{index}", "worksheet", f"worksheets/sheet{index}.xml")
        for index in range(1, len(sheets) + 1)
    ]
    if styles is not None:
        links.append(("rIdStyles", "styles", "styles.xml"))
    if shared_strings is not None:
        links.append(("rIdStrings", "sharedStrings", "sharedStrings.xml"))
    parts = {
        "[Content_Types].xml": content_types
        or (
            f'<?xml version="1.0"?><Types xmlns="{PACKAGE}/content-types">'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{SHEET_TYPE}"/></Types>'
        ),
        "_rels/.rels": (
            f'<?xml version="1.0"?><Relationships xmlns="{PACKAGE}/relationships">'
            f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0"?><workbook xmlns="{namespace}" xmlns:r="{RELATIONSHIPS}">'
            f"{workbook_extra}<sheets>{entries}</sheets></workbook>"
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0"?><Relationships xmlns="{PACKAGE}/relationships">'
            + "".join(
                f'<Relationship Id="{id_}" Type="{RELATIONSHIPS}/{kind}" Target="{target}"/>'
                for id_, kind, target in links
            )
            + "</Relationships>"
        ),
    }
    for index, (_name, xml, _state) in enumerate(sheets, 1):
        parts[f"xl/worksheets/sheet{index}.xml"] = xml
    if styles is not None:
        parts["xl/styles.xml"] = styles
    if shared_strings is not None:
        parts["xl/sharedStrings.xml"] = shared_strings
    parts.update(extra_parts or {})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def styles_xml(formats: dict[int, str], cell_formats: list[int]) -> str:
    """styles.xml whose cell style i shows number format ``cell_formats[i]``."""
    num_fmts = "".join(
        f'<numFmt numFmtId="{id_}" formatCode="{code}"/>' for id_, code in formats.items()
    )
    xfs = "".join(f'<xf numFmtId="{id_}" xfId="0"/>' for id_ in cell_formats)
    return (
        f'<?xml version="1.0"?><styleSheet xmlns="{MAIN}"><numFmts>{num_fmts}</numFmts>'
        f'<cellStyleXfs><xf numFmtId="14"/></cellStyleXfs><cellXfs>{xfs}</cellXfs>'
        '<dxfs><dxf><numFmt numFmtId="200" formatCode="yyyy"/></dxf></dxfs></styleSheet>'
    )


def read(data: bytes, name="台账.xlsx", **limits) -> tuple[list[str], list]:
    with open_sheet(io.BytesIO(data), name=name, **limits) as sheet:
        return sheet.header, list(sheet.rows())


def refusal(data: bytes, name="台账.xlsx", **limits) -> str:
    with pytest.raises(FileRefused) as caught:
        read(data, name, **limits)
    return caught.value.message


# -- reading real workbooks -----------------------------------------------------------


def test_an_openpyxl_workbook_reads_typed_values_with_excel_row_numbers():
    rows = [
        [" 姓名 ", "身份证号", "金额（元）", "派出日期", "在岗", None, None],
        ["张三", "52020119900101123X", Decimal("1234.56"), date(2023, 5, 1), True],
        [],  # a blank row: skipped, and the numbers still say where each row is
        ["李四", 520201, 12, datetime(2023, 5, 1, 9, 30), False],
        [None, "　", None, None, None, None, "beyond the header"],
        ["王五", None, 0.1, None, None],
    ]
    header, data = read(openpyxl_xlsx(rows))
    assert header == ["姓名", "身份证号", "金额（元）", "派出日期", "在岗"]
    assert data == [
        (2, ["张三", "52020119900101123X", Decimal("1234.56"), date(2023, 5, 1), True]),
        (4, ["李四", 520201, 12, datetime(2023, 5, 1, 9, 30), False]),
        (6, ["王五", None, Decimal("0.1"), None, None]),
    ]


def test_inline_strings_of_a_write_only_workbook_read_the_same():
    rows = [["项目编号", "名称"], ["XM-001", "产业园"], ["XM-002", "=not a formula"]]
    header, data = read(openpyxl_xlsx(rows, write_only=True))
    assert header == ["项目编号", "名称"]
    assert data == [(2, ["XM-001", "产业园"]), (3, ["XM-002", Formula("=not a formula")])]


def test_a_formula_is_read_as_its_text_never_evaluated():
    rows = [["金额", "合计"], [1, "=SUM(A2:A3)"], [2, '=HYPERLINK("http://x","y")']]
    _header, data = read(openpyxl_xlsx(rows))
    assert data[0][1][1] == Formula("=SUM(A2:A3)")
    assert data[1][1][1] == Formula('=HYPERLINK("http://x","y")')


def test_shared_formulas_carry_their_first_cells_text():
    sheet = sheet_xml(
        [
            (1, {"A": "金额"}),
            (2, {"A": '<c r="A2"><f t="shared" ref="A2:A3" si="0">B2*2</f><v>4</v></c>'}),
            (3, {"A": '<c r="A3"><f t="shared" si="0"/><v>6</v></c>'}),
        ]
    )
    _header, data = read(hand_made_xlsx(sheet))
    assert [values for _number, values in data] == [[Formula("=B2*2")], [Formula("=B2*2")]]


def test_numbers_are_ints_when_whole_and_decimals_from_their_digits():
    written = ["12", "1234.5600000000002", "1E+3", "-0.5", "12.0"]
    cells = {
        letter: f'<c r="{letter}2"><v>{text}</v></c>'
        for letter, text in zip("ABCDE", written, strict=True)
    }
    sheet = sheet_xml([(1, {letter: letter for letter in "ABCDE"}), (2, cells)])
    _header, [(_number, values)] = read(hand_made_xlsx(sheet))
    assert values == [12, Decimal("1234.5600000000002"), 1000, Decimal("-0.5"), 12]
    assert [type(value) for value in values] == [int, Decimal, int, Decimal, int]


def test_shared_strings_rich_text_and_escaped_characters():
    strings = (
        f'<?xml version="1.0"?><sst xmlns="{MAIN}">'
        "<si><t>名称</t></si>"
        "<si><r><t>贵州</t></r><r><rPr><b/></rPr><t>省</t></r><rPh><t>guizhou</t></rPh></si>"
        "<si><t>第一行_x000D_\n第二行</t></si>"
        "<si><t></t></si>"
        "</sst>"
    )
    sheet = sheet_xml(
        [
            (1, {"A": '<c r="A1" t="s"><v>0</v></c>'}),
            (2, {"A": '<c r="A2" t="s"><v>1</v></c>'}),
            (3, {"A": '<c r="A3" t="s"><v>2</v></c>'}),
            (4, {"A": '<c r="A4" t="s"><v>3</v></c>', "B": 5}),
        ]
    )
    header, data = read(hand_made_xlsx(sheet, shared_strings=strings))
    assert header == ["名称"]
    assert data == [(2, ["贵州省"]), (3, ["第一行\r\n第二行"])]


def test_cells_without_references_follow_each_other_and_gaps_are_none():
    sheet = sheet_xml(
        [
            (1, {"A": "a", "B": "b", "C": "c", "D": "d"}),
            (2, {"A": '<c><v>1</v></c><c><v>2</v></c><c r="D2"><v>4</v></c>'}),
        ]
    )
    _header, data = read(hand_made_xlsx(sheet))
    assert data == [(2, [1, 2, None, 4])]


def test_booleans_errors_and_iso_dates():
    sheet = sheet_xml(
        [
            (1, {"A": "a", "B": "b", "C": "c", "D": "d"}),
            (
                2,
                {
                    "A": '<c r="A2" t="b"><v>0</v></c>',
                    "B": '<c r="B2" t="e"><v>#N/A</v></c>',
                    "C": '<c r="C2" t="d"><v>2023-05-01</v></c>',
                    "D": '<c r="D2" t="d"><v>2023-05-01T08:30:00</v></c>',
                },
            ),
        ]
    )
    _header, data = read(hand_made_xlsx(sheet))
    assert data == [(2, [False, "#N/A", date(2023, 5, 1), datetime(2023, 5, 1, 8, 30)])]


# -- dates --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("yyyy-mm-dd", "date"),
        ('yyyy"年"m"月"d"日";@', "date"),
        ("[$-804]yyyy年m月d日", "date"),
        ("mmm-yy", "date"),
        ("m/d/yy h:mm", "datetime"),
        ("YYYY-MM-DD HH:MM:SS", "datetime"),
        ("h:mm AM/PM", "time"),
        ("[h]:mm:ss", "time"),
        ("[h]:mm", "time"),
        ("[mm]:ss", "time"),
        ("mm:ss", "time"),
        ("General", None),
        ("0.00", None),
        ('#,##0.00"元"', None),
        ('0.0 "days"', None),
        ("[Red]#,##0;[Blue]-#,##0", None),
        ("0.00E+00", None),
        ("@", None),
        (r"0\d", None),
    ],
)
def test_format_kind_reads_the_letters_outside_quotes_and_brackets(code, kind):
    assert format_kind(code) == kind


@pytest.mark.parametrize(
    ("serial", "expected"),
    [
        (1, datetime(1900, 1, 1)),
        (59, datetime(1900, 2, 28)),
        (61, datetime(1900, 3, 1)),
        (45047, datetime(2023, 5, 1)),
        (Decimal("45047.75"), datetime(2023, 5, 1, 18)),
        (Decimal("45047.3958333333"), datetime(2023, 5, 1, 9, 30)),
        (2958465, datetime(9999, 12, 31)),
    ],
)
def test_excel_serials_in_the_1900_calendar(serial, expected):
    assert excel_datetime(serial) == expected


@pytest.mark.parametrize("serial", [60, -1, 2958466, Decimal("NaN")])
def test_serials_that_are_no_day(serial):
    with pytest.raises(ValueError):
        excel_datetime(serial)


def test_the_1904_calendar():
    assert excel_datetime(0, date1904=True) == datetime(1904, 1, 1)
    assert excel_datetime(43585, date1904=True) == datetime(2023, 5, 1)


def test_a_1904_workbook_reads_its_dates():
    def use_1904(workbook, _sheet):
        workbook.epoch = CALENDAR_MAC_1904

    rows = [["日期"], [date(2023, 5, 1)], [datetime(1999, 12, 31, 23, 59)]]
    _header, data = read(openpyxl_xlsx(rows, setup=use_1904))
    assert data == [(2, [date(2023, 5, 1)]), (3, [datetime(1999, 12, 31, 23, 59)])]


def test_date_formats_built_in_custom_and_chinese():
    # Styles: 0 general, 1 built-in 14, 2 built-in 22, 3 Chinese built-in 31 (not
    # defined in the file), 4 custom 年月日, 5 custom number with quoted text,
    # 6 time of day, 7 elapsed hours.
    styles = styles_xml(
        {
            164: "yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;",
            165: "0.0&quot;d&quot;",
            166: "[h]:mm",
        },
        [0, 14, 22, 31, 164, 165, 20, 166],
    )
    cells = {
        letter: f'<c r="{letter}2" s="{style}"><v>{serial}</v></c>'
        for letter, style, serial in [
            ("A", 0, 45047),
            ("B", 1, 45047),
            ("C", 2, "45047.5"),
            ("D", 3, 45047),
            ("E", 4, 45047),
            ("F", 5, 45047),
            ("G", 6, "0.5"),
            ("H", 7, "1.5"),
        ]
    }
    sheet = sheet_xml([(1, {letter: letter for letter in "ABCDEFGH"}), (2, cells)])
    _header, [(_number, values)] = read(hand_made_xlsx(sheet, styles=styles))
    assert values == [
        45047,
        date(2023, 5, 1),
        datetime(2023, 5, 1, 12),
        date(2023, 5, 1),
        date(2023, 5, 1),
        45047,
        time(12),
        Decimal("1.5"),  # a duration past a day is no time of day: the number stays
    ]


def test_a_date_format_on_a_number_that_is_no_day_keeps_the_number():
    styles = styles_xml({}, [0, 14])
    sheet = sheet_xml([(1, {"A": "日期"}), (2, {"A": '<c r="A2" s="1"><v>60</v></c>'})])
    assert read(hand_made_xlsx(sheet, styles=styles))[1] == [(2, [60])]


# -- which sheet --------------------------------------------------------------------


def test_the_first_visible_worksheet_in_workbook_order_is_read():
    hidden = sheet_xml([(1, {"A": "隐藏"}), (2, {"A": 1})])
    first = sheet_xml([(1, {"A": "第一张"}), (2, {"A": 2})])
    second = sheet_xml([(1, {"A": "第二张"}), (2, {"A": 3})])
    data = hand_made_xlsx(
        sheets=[("选项", hidden, "hidden"), ("台账", first, "visible"), ("说明", second, "visible")]
    )
    assert read(data) == (["第一张"], [(2, [2])])


def test_a_strict_open_xml_workbook_is_read():
    strict = "http://purl.oclc.org/ooxml/spreadsheetml/main"
    sheet = sheet_xml([(1, {"A": "名称"}), (2, {"A": "甲"})]).replace(MAIN, strict)
    assert read(hand_made_xlsx(sheet, namespace=strict)) == (["名称"], [(2, ["甲"])])


def test_a_django_upload_is_read_and_left_open_for_its_owner():
    upload = SimpleUploadedFile("台账.xlsx", openpyxl_xlsx([["名称"], ["甲"]]))
    with open_sheet(upload, name=upload.name) as sheet:
        assert isinstance(sheet, Sheet)
        assert list(sheet.rows()) == [(2, ["甲"])]
        with pytest.raises(RuntimeError):
            sheet.rows()
    assert not upload.closed


def test_a_file_on_disk_is_read(tmp_path):
    path = tmp_path / "台账.xlsx"
    path.write_bytes(openpyxl_xlsx([["名称"], ["甲"]]))
    with path.open("rb") as file, open_sheet(file, name=path.name) as sheet:
        assert list(sheet.rows()) == [(2, ["甲"])]


# -- the header and the rows --------------------------------------------------------


def test_an_empty_sheet_is_refused():
    assert refusal(hand_made_xlsx(sheet_xml([]))) == "The sheet is empty."


def test_a_sheet_without_its_header_in_row_1_is_refused():
    message = refusal(openpyxl_xlsx([[None, None], ["姓名", "身份证号"], ["张三", "x"]]))
    assert message.startswith("Row 1 must hold the column names")


def test_a_header_without_rows_is_refused():
    message = refusal(openpyxl_xlsx([["姓名", "身份证号"], [None, None]]))
    assert message == "The sheet has a header but no rows to import."


def test_a_column_named_twice_is_refused():
    message = refusal(openpyxl_xlsx([["姓名", "金额", " 姓名"], ["张三", 1, "x"]]))
    assert message.startswith("The column “姓名” appears twice in the header")


def test_blank_header_cells_inside_the_header_stay_and_trailing_ones_go():
    header, _rows = read(openpyxl_xlsx([["姓名", None, "金额", None, "  "], ["张三", 1, 2]]))
    assert header == ["姓名", "", "金额"]


@pytest.mark.parametrize("merged", ["A1:B1", "B1:B2", "$C$1:$D$1"])
def test_merged_header_cells_are_refused(merged):
    def merge(_workbook, sheet):
        sheet.merge_cells(merged.replace("$", ""))

    rows = [["姓名", "金额", "日期", "备注"], ["张三", 1, 2, 3]]
    message = refusal(openpyxl_xlsx(rows, setup=merge))
    assert message.startswith(f"The header row has merged cells ({merged.replace('$', '')})")


def test_merged_cells_below_the_header_are_read():
    rows = [["姓名", "金额"], ["张三", 1], ["李四", 2]]

    def merge_later(_workbook, sheet):
        for row in rows:
            sheet.append(row)
        sheet.merge_cells("A2:A3")

    _header, data = read(openpyxl_xlsx([], setup=merge_later))
    assert data == [(2, ["张三", 1]), (3, [None, 2])]


def test_more_rows_than_the_limit_are_refused_at_the_first_row_over_it():
    rows = [["名称"]] + [[f"第{number}行"] for number in range(1, 7)]
    data = openpyxl_xlsx(rows[:1] + rows[1:3] + [[None]] * 3 + rows[3:])
    assert len(read(data, max_rows=6)[1]) == 6
    handed_on = []
    with (
        open_sheet(io.BytesIO(data), name="台账.xlsx", max_rows=5) as sheet,
        pytest.raises(FileRefused) as caught,
    ):
        for row in sheet.rows():
            handed_on.append(row)
    assert len(handed_on) == 5
    assert caught.value.message == (
        "The sheet has more than 5 rows; split it into files of at most 5 rows each."
    )


@override_settings(IMPORT_MAX_ROWS=100_000)
def test_a_workbook_of_a_million_rows_is_refused_after_the_limit(tmp_path):
    """Built as a stream of XML, the way a large export would be; read to the 100,001st row."""
    path = tmp_path / "百万行.xlsx"
    rows = 1_000_001
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, data in _parts(hand_made_xlsx("<x/>")).items():
            if name != "xl/worksheets/sheet1.xml":
                archive.writestr(name, data)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            part.write(f'<worksheet xmlns="{MAIN}"><sheetData>'.encode())
            part.write(b'<row r="1"><c r="A1" t="inlineStr"><is><t>n</t></is></c></row>')
            for start in range(2, rows + 1, 10_000):
                part.write(
                    "".join(
                        f'<row r="{n}"><c r="A{n}"><v>{n}</v></c></row>'
                        for n in range(start, min(start + 10_000, rows + 1))
                    ).encode()
                )
            part.write(b"</sheetData></worksheet>")
    count = 0
    with (
        path.open("rb") as file,
        open_sheet(file, name=path.name) as sheet,
        pytest.raises(FileRefused) as caught,
    ):
        for _row in sheet.rows():
            count += 1
    assert count == 100_000
    assert "more than 100000 rows" in caught.value.message


# -- kinds: the content decides, and must agree with the name -------------------------


@pytest.mark.parametrize(
    ("name", "content", "start"),
    [
        ("台账.xls", OLE2, "Excel 97–2003 workbooks (.xls) cannot be imported"),
        ("台账.xlsm", b"PK\x03\x04", "This workbook contains macros"),
        ("台账.txt", b"a,b\n1,2\n", "Files of type “txt” cannot be imported"),
        ("台账", b"a,b\n1,2\n", "Files of type “?” cannot be imported"),
        ("台账.xlsx", PDF, "The content of this file is not a XLSX file."),
        ("台账.xlsx", OLE2, "This file is an Excel 97–2003 workbook or a password-protected one"),
        ("台账.xlsx", b"", "The content of this file is not a XLSX file."),
        ("台账.csv", PDF, "The content of this file is not a CSV file."),
        ("台账.csv", OLE2, "The content of this file is not a CSV file."),
        ("台账.csv", b"a,b\n1,\x00\x01\x02\n", "The content of this file is not a CSV file."),
    ],
)
def test_files_that_are_not_what_import_reads_are_refused(name, content, start):
    assert refusal(content, name).startswith(start)


def test_a_workbook_named_csv_and_another_zip_named_xlsx_are_refused():
    workbook = openpyxl_xlsx([["名称"], ["甲"]])
    assert refusal(workbook, "台账.csv") == "The content of this file is not a CSV file."
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
        archive.writestr("[Content_Types].xml", "<Types/>")
    assert refusal(buffer.getvalue()) == "The content of this file is not a XLSX file."


class Unreadable(io.BytesIO):
    def read(self, *args):
        raise AssertionError("read before its size was checked")


def test_a_file_over_the_size_limit_is_refused_before_it_is_read():
    def refusal_of(file, **limits):
        with pytest.raises(FileRefused) as caught:
            open_sheet(file, name="台账.xlsx", **limits)
        return caught.value.message

    message = refusal_of(Unreadable(b"x" * (1024 * 1024 + 1)), max_bytes=1024 * 1024)
    assert message == "The file is larger than 1 MB, the most an import accepts."
    with override_settings(IMPORT_MAX_BYTES=int(2.5 * 1024 * 1024)):
        message = refusal_of(Unreadable(b"x" * 3 * 1024 * 1024))
    assert message == "The file is larger than 2.5 MB, the most an import accepts."


def test_macros_are_refused_whatever_the_name():
    sheet = sheet_xml([(1, {"A": "名称"}), (2, {"A": "甲"})])
    with_project = hand_made_xlsx(sheet, extra_parts={"xl/vbaProject.bin": b"\x00" * 64})
    assert refusal(with_project).startswith("This workbook contains macros")
    macro_type = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
    content_types = (
        f'<?xml version="1.0"?><Types xmlns="{PACKAGE}/content-types">'
        f'<Override PartName="/xl/workbook.xml" ContentType="{macro_type}"/></Types>'
    )
    macro_enabled = hand_made_xlsx(sheet, content_types=content_types)
    assert refusal(macro_enabled).startswith("This workbook contains macros")


# -- hostile archives ---------------------------------------------------------------


@pytest.fixture(scope="module")
def zip_bomb(tmp_path_factory) -> bytes:
    """A workbook whose sheet is 300 MB of zeros, deflated to a few hundred kilobytes."""
    path = tmp_path_factory.mktemp("bomb") / "bomb.xlsx"
    zeros = b"\x00" * (1024 * 1024)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in _parts(hand_made_xlsx("<x/>")).items():
            if name != "xl/worksheets/sheet1.xml":
                archive.writestr(name, data)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            for _megabyte in range(300):
                part.write(zeros)
    return path.read_bytes()


def test_a_zip_bomb_is_refused_without_being_inflated(zip_bomb):
    assert len(zip_bomb) < 1024 * 1024
    tracemalloc.start()
    try:
        message = refusal(zip_bomb)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert message.startswith("This workbook unpacks to more data than an import allows")
    assert peak < 5 * 1024 * 1024


def test_parts_adding_up_to_too_much_are_refused_even_at_a_modest_ratio():
    # ~4 MB that deflates some 40 times: no bomb by its ratio, but over 20 × a 150 KB limit.
    noise = random.Random(15)
    big = b"".join(noise.randbytes(20) + b"\x00" * 980 for _kilobyte in range(4000))
    data = hand_made_xlsx(sheet_xml([(1, {"A": "a"})]), extra_parts={"xl/media/big.bin": big})
    assert len(data) < 150 * 1024
    message = refusal(data, max_bytes=150 * 1024)
    assert message.startswith("This workbook unpacks to more data than an import allows")


def test_a_part_lying_about_its_size_fails_its_check_instead_of_inflating_on():
    sheet = sheet_xml([(1, {"A": "名称"})] + [(n, {"A": n}) for n in range(2, 2000)])
    data = bytearray(hand_made_xlsx(sheet))
    entry = _directory_entry(data, "xl/worksheets/sheet1.xml")
    # The directory's "uncompressed size" of the sheet: 2,000 bytes instead of ~70 KB.
    data[entry + 24 : entry + 28] = (2000).to_bytes(4, "little")
    assert "damaged" in refusal(bytes(data))


def test_an_archive_listing_thousands_of_parts_is_refused_before_they_are_loaded():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, data in _parts(openpyxl_xlsx([["a"], [1]])).items():
            archive.writestr(name, data)
        for index in range(10_001):
            archive.writestr(f"x/{index}", b"")
    assert refusal(buffer.getvalue()).startswith("This workbook unpacks to more data")


def test_a_row_that_never_ends_is_refused_before_it_fills_memory():
    flood = "<x/>" * 1_000_000  # 4 MB of elements inside one row, built whole by a parser
    sheet = sheet_xml([(1, {"A": "名称"}), (2, {"A": f'<c r="A2"><v>1</v></c>{flood}'})])
    assert refusal(hand_made_xlsx(sheet)).startswith("This workbook unpacks to more data")


def test_what_follows_the_rows_is_not_read():
    hyperlinks = "".join(f'<hyperlink ref="A{n}" r:id="x"/>' for n in range(200_000))
    sheet = sheet_xml(
        [(1, {"A": "名称"}), (2, {"A": "甲"})],
        after=f'<hyperlinks xmlns:r="{RELATIONSHIPS}">{hyperlinks}</hyperlinks><broken>',
    )
    assert read(hand_made_xlsx(sheet)) == (["名称"], [(2, ["甲"])])


def test_a_truncated_or_encrypted_archive_is_refused_as_damaged():
    data = openpyxl_xlsx([["名称"], ["甲"]])
    assert "damaged" in refusal(data[: len(data) // 2])
    encrypted = bytearray(data)
    for at in _all(encrypted, b"PK\x01\x02"):
        encrypted[at + 8] |= 0x1  # the "encrypted" flag of each part in the directory
    assert "damaged" in refusal(bytes(encrypted))


def test_broken_xml_in_the_sheet_is_refused_as_damaged_while_reading():
    sheet = sheet_xml([(1, {"A": "名称"}), (2, {"A": "甲"}), (3, {"A": "乙"})])
    sheet = sheet.replace('<row r="3">', '<row r="3"><c r="A3"><v>1</c>')
    assert "damaged" in refusal(hand_made_xlsx(sheet))


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{n} "{("&lol" + str(n - 1 if n > 1 else "") + ";") * 10}">'
        for n in range(1, 10)
    )
    + "]>"
)


@pytest.mark.parametrize("part", ["sheet", "shared_strings", "workbook"])
def test_an_entity_bomb_is_refused_before_it_is_expanded(part):
    sheet = sheet_xml([(1, {"A": "名称"}), (2, {"A": '<c r="A2" t="s"><v>0</v></c>'})])
    strings = f'<?xml version="1.0"?><sst xmlns="{MAIN}"><si><t>甲</t></si></sst>'
    if part == "sheet":
        sheet = sheet.replace('<?xml version="1.0" encoding="UTF-8"?>', BILLION_LAUGHS)
        sheet = sheet.replace("<v>0</v>", "<v>0</v><is><t>&lol9;</t></is>")
        data = hand_made_xlsx(sheet, shared_strings=strings)
    elif part == "shared_strings":
        strings = BILLION_LAUGHS + strings.split("?>", 1)[1].replace("甲", "&lol9;")
        data = hand_made_xlsx(sheet, shared_strings=strings)
    else:
        data = hand_made_xlsx(sheet, shared_strings=strings, workbook_extra="")
        data = _replace_part(
            data,
            "xl/workbook.xml",
            lambda xml: xml.replace('<?xml version="1.0"?>', BILLION_LAUGHS),
        )
    tracemalloc.start()
    try:
        message = refusal(data)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert message.startswith("This file declares XML entities (a DOCTYPE)")
    assert peak < 5 * 1024 * 1024


def test_an_external_entity_and_a_utf16_doctype_are_refused():
    external = sheet_xml(
        [(1, {"A": "名称"}), (2, {"A": '<c r="A2" t="inlineStr"><is><t>&xxe;</t></is></c>'})],
        before='<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
    )
    assert refusal(hand_made_xlsx(external)).startswith("This file declares XML entities")
    utf16 = sheet_xml([(1, {"A": "名称"}), (2, {"A": "甲"})], before="<!DOCTYPE worksheet>")
    utf16 = codecs.BOM_UTF16_LE + utf16.replace("UTF-8", "UTF-16").encode("utf-16-le")
    assert refusal(hand_made_xlsx(utf16)).startswith("This file declares XML entities")


def test_a_workbook_whose_only_sheet_is_a_chart_has_nothing_to_import():
    data = hand_made_xlsx(sheet_xml([(1, {"A": "a"})]))
    data = _replace_part(
        data, "xl/_rels/workbook.xml.rels", lambda xml: xml.replace("/worksheet", "/chartsheet")
    )
    assert refusal(data) == "The workbook has no worksheet to import."


def test_a_relationship_to_a_missing_part_is_damage():
    data = hand_made_xlsx(sheet_xml([(1, {"A": "a"})]))
    data = _replace_part(
        data, "xl/_rels/workbook.xml.rels", lambda xml: xml.replace("sheet1.xml", "sheet9.xml")
    )
    assert "damaged" in refusal(data)


def test_every_refusal_speaks_the_users_language():
    with translation.override("zh-hans"):
        message = refusal(PDF, "台账.xlsx")
    assert message == "该文件的内容不是 XLSX 文件。"


# -- CSV ----------------------------------------------------------------------------


CSV_TEXT = (
    "姓名,身份证号,金额（万元）,日期\r\n"
    '张三,52020119900101123X,"1,234.5",2023年5月1日\r\n'
    "\r\n"
    "李四,,=SUM(A1:A2),\r\n"
)


@pytest.mark.parametrize(
    "encoded",
    [
        CSV_TEXT.encode("utf-8"),
        codecs.BOM_UTF8 + CSV_TEXT.encode("utf-8"),
        CSV_TEXT.encode("gb18030"),
        CSV_TEXT.encode("gbk"),
    ],
    ids=["utf-8", "utf-8-bom", "gb18030", "gbk"],
)
def test_csv_in_utf8_with_or_without_bom_and_in_gb18030(encoded):
    header, data = read(encoded, "台账.csv")
    assert header == ["姓名", "身份证号", "金额（万元）", "日期"]
    assert data == [
        (2, ["张三", "52020119900101123X", "1,234.5", "2023年5月1日"]),
        (4, ["李四", None, "=SUM(A1:A2)", None]),  # a CSV has no formulas: text stays text
    ]


def test_gb18030_characters_beyond_gbk_are_read():
    text = "名称\n𠀀村合作社\n"  # a character GBK does not have, in four bytes of GB18030
    assert read(text.encode("gb18030"), "台账.csv")[1] == [(2, ["𠀀村合作社"])]


def test_csv_read_across_chunks_keeps_multibyte_characters_whole():
    text = "名称,备注\n" + "".join(f'贵州省第{n}村,"第一行\n第二行"\n' for n in range(5000))
    for encoding in ("utf-8", "gb18030"):
        header, data = read(text.encode(encoding), "台账.csv")
        assert len(data) == 5000
        assert data[-1] == (5001, ["贵州省第4999村", "第一行\n第二行"])


@pytest.mark.parametrize(
    ("text", "header"),
    [
        ("姓名\t金额\t日期\n张三\t1\t2\n", ["姓名", "金额", "日期"]),
        ("姓名;金额;日期\n张三;1;2\n", ["姓名", "金额", "日期"]),
        ('"金额(元,万元)"\t名称\t日期\n1\t甲\t2\n', ["金额(元,万元)", "名称", "日期"]),
        ("姓名,金额;元\n张三,1\n", ["姓名", "金额;元"]),
    ],
)
def test_tab_or_semicolon_when_the_header_line_uses_them(text, header):
    assert read(text.encode(), "台账.csv")[0] == header


def test_classic_mac_line_ends_are_read():
    assert read("姓名,金额\r张三,1\r李四,2\r".encode(), "台账.csv")[1] == [
        (2, ["张三", "1"]),
        (3, ["李四", "2"]),
    ]


def test_text_in_neither_encoding_is_refused():
    message = refusal(b"a,b\n\xff\xfe\xfd,\x80\n", "台账.csv")
    assert message.startswith("The CSV file is neither UTF-8 nor GB18030")


def test_an_unclosed_quote_is_refused_with_its_row():
    message = refusal('名称,备注\n甲,1\n乙,"never closed\n丙,3\n'.encode(), "台账.csv")
    assert message.startswith("Row 3 of the CSV file cannot be read")


def test_an_endless_csv_row_is_refused_before_it_becomes_millions_of_cells():
    one_line = "名称,备注\n甲," + "," * 2_000_000 + "\n"
    assert refusal(one_line.encode(), "台账.csv").startswith("Row 2 of the CSV file cannot be read")
    header_only = "名称" + "," * 2_000_000
    assert refusal(header_only.encode(), "台账.csv").startswith("Row 1 of the CSV file")
    many_lines = "名称,备注\n" + '"a\n",' * 400_000 + "\n"
    assert refusal(many_lines.encode(), "台账.csv").startswith("Row 2 of the CSV file")


def test_csv_header_rules_are_the_sheets():
    assert refusal(b"", "a.csv") == "The sheet is empty."
    assert refusal("\n姓名\n张三\n".encode(), "a.csv").startswith("Row 1 must hold")
    assert refusal("姓名,姓名\n1,2\n".encode(), "a.csv").startswith("The column “姓名” appears")


@override_settings(IMPORT_MAX_ROWS=100_000)
def test_a_csv_over_the_row_limit_is_refused_after_the_limit(tmp_path):
    path = tmp_path / "大.csv"
    with path.open("w", encoding="utf-8") as file:
        file.write("编号,名称\n")
        file.writelines(f"{n},第{n}村\n" for n in range(100_001))
    count = 0
    with (
        path.open("rb") as file,
        open_sheet(file, name="大.csv") as sheet,
        pytest.raises(FileRefused),
    ):
        for _row in sheet.rows():
            count += 1
    assert count == 100_000


# -- helpers ------------------------------------------------------------------------


def _parts(data: bytes) -> dict[str, bytes]:
    archive = zipfile.ZipFile(io.BytesIO(data))
    return {name: archive.read(name) for name in archive.namelist()}


def _directory_entry(data: bytes | bytearray, name: str) -> int:
    """Where the central directory's entry for ``name`` starts."""
    for at in _all(data, b"PK\x01\x02"):
        length = int.from_bytes(data[at + 28 : at + 30], "little")
        if data[at + 46 : at + 46 + length] == name.encode():
            return at
    raise LookupError(name)


def _all(data: bytes | bytearray, marker: bytes):
    at = data.find(marker)
    while at >= 0:
        yield at
        at = data.find(marker, at + 1)


def _replace_part(data: bytes, part: str, change) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in source.namelist():
            content = source.read(name)
            if name == part:
                content = change(content.decode()).encode()
            archive.writestr(name, content)
    return buffer.getvalue()
