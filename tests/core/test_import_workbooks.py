"""The import template: what a coordinator downloads, fills in and uploads again.

Read back with openpyxl as the import's reader would, and as Excel shows it:
headers exactly as declared, required columns marked by their look, columns
formatted for their kind, drop-downs reading their labels from the hidden
sheet, the instructions sheet, in the language of the session.
"""

import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.utils import translation
from django.utils.translation import gettext, gettext_lazy
from openpyxl import load_workbook
from openpyxl.utils import range_boundaries

from aidtrack.core.imports.workbooks import (
    AMOUNT_FORMAT,
    DATE_FORMAT,
    LISTS_SHEET,
    TEXT_FORMAT,
    VALIDATED_ROWS,
    template_workbook,
)


@dataclass
class Column:
    """The attributes of the engine's ImportColumn that the template reads."""

    header: str
    kind: str = "text"
    required: bool = False
    choice_labels: list = field(default_factory=list)
    help_text: str = ""
    example: object = None


STATUSES = ["计划", "在岗", "已结束", "已召回"]
COLUMNS = [
    Column(
        "身份证号", required=True, help_text="18 位居民身份证号码", example="520221199001011234"
    ),
    Column("金额（万元）", "amount", required=True, example=Decimal("1234.5")),
    Column("开始日期", "date", example=date(2023, 5, 1)),
    Column("状态", "choice", required=True, choice_labels=STATUSES, example="在岗"),
    Column("是否脱贫户", "boolean", example=True),
    Column("受益人数", "integer", example=120),
    Column("数值", "decimal", example=Decimal("3.75")),
    Column("派出单位", "reference", help_text="单位名称或统一社会信用代码", example=None),
]


def build(columns=COLUMNS, *, title="人员", instructions=("每行填写一人。",), language="en"):
    with translation.override(language):
        data = template_workbook(title=title, columns=columns, instructions=list(instructions))
    return data, load_workbook(io.BytesIO(data))


def column_of(sheet, header):
    for cell in sheet[1]:
        if cell.value == header:
            return cell.column_letter
    raise AssertionError(f"no column {header!r}")


def drop_downs(workbook):
    """``{data column letter: (validated range, labels)}`` read through each validation's range."""
    data, lists = workbook.worksheets[0], workbook[LISTS_SHEET]
    found = {}
    for validation in data.data_validations.dataValidation:
        assert validation.type == "list"
        sheet_part, _bang, cells = validation.formula1.partition("!")
        assert sheet_part == f"'{LISTS_SHEET}'"
        min_col, min_row, max_col, max_row = range_boundaries(cells.replace("$", ""))
        labels = [
            cell.value
            for row in lists.iter_rows(min_row, max_row, min_col, max_col)
            for cell in row
        ]
        sqref = str(validation.sqref)
        found[sqref.split(":")[0].rstrip("0123456789")] = (sqref, labels)
    return found


def test_sheets_are_the_data_the_instructions_and_the_hidden_lists():
    _data, workbook = build()
    assert workbook.sheetnames == ["人员", "Instructions", LISTS_SHEET]
    assert workbook.active.title == "人员"
    assert [sheet.sheet_state for sheet in workbook.worksheets] == ["visible", "visible", "hidden"]


def test_headers_are_exactly_as_declared_and_frozen():
    _data, workbook = build()
    sheet = workbook.worksheets[0]
    assert [cell.value for cell in sheet[1]] == [column.header for column in COLUMNS]
    assert sheet.freeze_panes == "A2"
    assert sheet.max_row == 2  # headers and the example, nothing else


def test_the_example_row_is_typed_for_its_column():
    _data, workbook = build()
    sheet = workbook.worksheets[0]
    row = {column.header: cell for column, cell in zip(COLUMNS, sheet[2], strict=True)}
    assert row["身份证号"].value == "520221199001011234"
    assert row["身份证号"].data_type == "s" and row["身份证号"].number_format == TEXT_FORMAT
    assert row["金额（万元）"].value == Decimal("1234.5")
    assert row["金额（万元）"].number_format == AMOUNT_FORMAT
    assert row["开始日期"].value == datetime(2023, 5, 1)  # a real date, not text
    assert row["开始日期"].is_date and row["开始日期"].number_format == DATE_FORMAT
    assert row["状态"].value == "在岗"
    assert row["是否脱贫户"].value == "Yes"  # True, written as the drop-down's label
    assert row["受益人数"].value == 120 and row["受益人数"].data_type == "n"
    assert row["数值"].value == Decimal("3.75")
    assert row["派出单位"].value is None


def test_an_example_number_in_a_text_column_is_written_as_text():
    columns = [Column("项目编码", example=520221), Column("区划代码", "reference", example=520221)]
    _data, workbook = build(columns)
    assert [cell.value for cell in workbook.worksheets[0][2]] == ["520221", "520221"]


def test_each_column_is_formatted_for_its_kind_before_anything_is_typed():
    _data, workbook = build()
    sheet = workbook.worksheets[0]
    formats = {
        column.header: sheet.column_dimensions[column_of(sheet, column.header)].number_format
        for column in COLUMNS
    }
    assert formats == {
        "身份证号": TEXT_FORMAT,
        "金额（万元）": AMOUNT_FORMAT,
        "开始日期": DATE_FORMAT,
        "状态": TEXT_FORMAT,
        "是否脱贫户": TEXT_FORMAT,
        "受益人数": "0",
        "数值": "General",
        "派出单位": TEXT_FORMAT,
    }


def test_required_columns_are_marked_by_fill_bold_and_comment_not_by_their_text():
    _data, workbook = build()
    header = {cell.value: cell for cell in workbook.worksheets[0][1]}
    required = [header[column.header] for column in COLUMNS if column.required]
    optional = [header[column.header] for column in COLUMNS if not column.required]
    assert len(required) == 3 and len(optional) == 5
    assert len({cell.fill.fgColor.rgb for cell in required}) == 1
    assert not {cell.fill.fgColor.rgb for cell in required} & {
        cell.fill.fgColor.rgb for cell in optional
    }
    assert all(cell.fill.fill_type == "solid" for cell in required + optional)
    assert all(cell.font.bold for cell in required)
    assert not any(cell.font.bold for cell in optional)
    assert all(cell.comment.text.splitlines()[0] == "Required" for cell in required)
    # Help goes under it; an optional column with help has a comment without the mark.
    assert header["身份证号"].comment.text == "Required\n18 位居民身份证号码"
    assert header["派出单位"].comment.text == "单位名称或统一社会信用代码"
    assert header["开始日期"].comment is None


def test_choice_and_yes_no_columns_have_drop_downs_from_the_hidden_sheet():
    _data, workbook = build()
    sheet = workbook.worksheets[0]
    status, poor = column_of(sheet, "状态"), column_of(sheet, "是否脱贫户")
    assert drop_downs(workbook) == {
        status: (f"{status}2:{status}{VALIDATED_ROWS + 1}", STATUSES),
        poor: (f"{poor}2:{poor}{VALIDATED_ROWS + 1}", ["Yes", "No"]),
    }
    assert VALIDATED_ROWS + 1 == 10_001
    for validation in sheet.data_validations.dataValidation:
        assert validation.allow_blank and validation.showErrorMessage
        assert validation.error == "Pick one of the allowed values from the drop-down list."


def test_a_choice_list_longer_than_an_inline_list_may_be_works():
    labels = [f"第{number}类：其他帮扶项目（含配套）" for number in range(1, 61)]
    assert len(",".join(labels)) > 255  # Excel's limit for a list typed into the rule
    labels.append("教育, 医疗")  # a comma would split an inline list
    _data, workbook = build([Column("类别", "choice", choice_labels=labels)])
    [(sqref, offered)] = drop_downs(workbook).values()
    assert sqref == f"A2:A{VALIDATED_ROWS + 1}"
    assert offered == labels
    [validation] = workbook.worksheets[0].data_validations.dataValidation
    assert len(validation.formula1) < 255


def test_a_choice_column_without_labels_gets_no_drop_down():
    _data, workbook = build([Column("类别", "choice"), Column("名称")])
    assert drop_downs(workbook) == {}


def test_the_instructions_sheet_explains_every_column():
    _data, workbook = build(instructions=["每行填写一人。", "已有人员按身份证号更新。"])
    rows = list(workbook["Instructions"].iter_rows(values_only=True))
    assert [row[0] for row in rows[:2]] == ["每行填写一人。", "已有人员按身份证号更新。"]
    header = ("Column", "Required", "What to enter", "Allowed values", "Format")
    table_start = rows.index(header)
    table = {row[0]: row for row in rows[table_start + 1 :]}
    assert list(table) == [column.header for column in COLUMNS]
    assert table["身份证号"][1:4] == ("Yes", "18 位居民身份证号码", None)
    assert table["身份证号"][4].startswith("Text. The cells are formatted as text")
    assert table["状态"][1:4] == ("Yes", None, "计划, 在岗, 已结束, 已召回")
    assert table["是否脱贫户"][1:5] == (
        "No",
        None,
        "Yes, No",
        "Yes or No; pick it from the drop-down list.",
    )
    assert table["金额（万元）"][4] == (
        "An amount in the unit the column header names (yuan or 10,000 yuan)."
    )
    assert "2023/5/1" in table["开始日期"][4] and "2023年5月1日" in table["开始日期"][4]
    assert table["派出单位"][2] == "单位名称或统一社会信用代码"
    # The notes between the lines and the table say how the data sheet is marked.
    notes = [row[0] for row in rows[2:table_start] if row[0]]
    assert any("bold and shaded are required" in note for note in notes)
    assert any(note.startswith("Row 2 of the sheet “人员” is an example") for note in notes)


def test_column_widths_fit_the_header_with_cjk_characters_counting_double():
    columns = [
        Column("受益人口数量合计"),  # 8 CJK characters: 16 wide
        Column("Beneficiaries"),  # 13 Latin characters
        Column("X"),
        Column("Y", help_text="A" * 200),  # long help wraps in the comment instead
    ]
    _data, workbook = build(columns)
    widths = [workbook.worksheets[0].column_dimensions[letter].width for letter in "ABCD"]
    assert widths[0] > widths[1] > widths[2]
    assert widths[0] >= 16 and widths[1] >= 13
    assert widths[3] <= 40


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("资金往来：2023/[全部]*?", "资金往来：2023 全部"),  # only ASCII : is refused
        ("fund: transactions/2023", "fund transactions 2023"),
        ("'quoted'", "quoted"),
        ("项" * 40, "项" * 31),
        ("lists", "lists (2)"),  # the hidden sheet's name is taken
        ("INSTRUCTIONS", "INSTRUCTIONS (2)"),
        ("", "Sheet1"),
    ],
)
def test_the_data_sheet_is_named_after_the_title_as_excel_allows(title, expected):
    _data, workbook = build([Column("名称")], title=title)
    assert workbook.sheetnames[0] == expected
    assert len({name.casefold() for name in workbook.sheetnames}) == 3


def test_the_file_holds_values_only_no_formula_macro_or_link():
    columns = [
        Column("备注", example='=HYPERLINK("http://evil.example","x")'),
        Column("=公式列", "choice", choice_labels=["=1+1", "#N/A"]),
    ]
    data, workbook = build(columns, instructions=["=SUM(A1:A9)"])
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            assert all(cell.data_type != "f" for cell in row)
    assert workbook.worksheets[0]["A2"].value == '=HYPERLINK("http://evil.example","x")'
    assert workbook["Instructions"]["A1"].value == "=SUM(A1:A9)"
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert not [name for name in names if "vba" in name.lower() or "externalLink" in name]
    workbook_xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/workbook.xml").decode()
    assert "<definedName " not in workbook_xml and "externalReference" not in workbook_xml


def test_chinese_session_gets_a_chinese_template():
    _data, workbook = build(language="zh-hans")
    with translation.override("zh-hans"):
        instructions, required = gettext("Instructions"), gettext("Required")
    assert workbook.sheetnames == ["人员", instructions, LISTS_SHEET]
    sheet = workbook.worksheets[0]
    poor = column_of(sheet, "是否脱贫户")
    assert drop_downs(workbook)[poor][1] == ["是", "否"]
    assert sheet[f"{poor}2"].value == "是"
    assert sheet["A1"].comment.text.splitlines()[0] == required
    table = [row for row in workbook[instructions].iter_rows(values_only=True) if row[1]]
    assert {row[1] for row in table[1:]} == {"是", "否"}


def test_english_and_chinese_templates_differ_only_in_their_own_texts():
    _english_data, english = build(language="en")
    _chinese_data, chinese = build(language="zh-hans")
    # The headers are the import's contract, handed in already translated.
    assert [c.value for c in english.worksheets[0][1]] == [
        c.value for c in chinese.worksheets[0][1]
    ]
    assert drop_downs(english)["D"] == drop_downs(chinese)["D"]  # choice labels as given
    assert drop_downs(english)["E"][1] == ["Yes", "No"]
    assert drop_downs(chinese)["E"][1] == ["是", "否"]


def test_a_declaration_the_reader_could_not_match_is_refused():
    with pytest.raises(ValueError, match="unknown kind"):
        build([Column("名称", "money")])
    with pytest.raises(ValueError, match="declared twice"):
        build([Column("名称"), Column("名称")])


def test_lazy_texts_are_resolved_in_the_session_language():
    """Declarations may carry gettext_lazy texts; they are looked up when the file is made."""
    columns = [Column(gettext_lazy("Yes"), "choice", choice_labels=[gettext_lazy("No")])]
    _data, workbook = build(columns, title=gettext_lazy("Yes"), language="zh-hans")
    assert workbook.sheetnames[0] == "是"
    assert workbook.worksheets[0]["A1"].value == "是"
    assert drop_downs(workbook)["A"][1] == ["否"]
