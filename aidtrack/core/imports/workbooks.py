"""The template an import hands out: the .xlsx a coordinator fills in and uploads again.

Its first sheet is the data sheet the reader matches on: row 1 carries the
import's headers exactly as declared (the header *is* the contract, so a
required column is marked by its look and a comment, never by a character
added to the text), row 2 an example. Each column is formatted for its kind
before anyone types: ID numbers and codes in text columns stay text instead of
turning into 5.20221E+17, dates and amounts show as the reader expects them.
Choice and yes/no columns get a drop-down whose labels live on a hidden
sheet, because Excel refuses an inline list longer than 255 characters and
splits one at its commas. The second sheet explains every column in words.

Every text is looked up when the workbook is made, so an English session
downloads an English template. The file holds values only: no formula
(text is written as text even when it starts with "="; core.exports), no
macro, no link to another file.
"""

import io
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from aidtrack.core.exports import xlsx_row
from aidtrack.core.xlsx import SHEET_NAME_LENGTH, sheet_title

# Rows of the data sheet that carry the drop-downs (row 2 to this one + 1).
VALIDATED_ROWS = 10_000
# The hidden sheet holding the drop-downs' labels; never shown, so not translated.
LISTS_SHEET = "lists"

DATE_FORMAT = "yyyy-mm-dd"
AMOUNT_FORMAT = "#,##0.00"
TEXT_FORMAT = "@"
# The format a column gets before anything is typed in it. Text, references and
# labels are text ("@"): an 18-digit ID number or a 6-digit region code typed
# into a General cell becomes a rounded number or loses its leading zeros.
NUMBER_FORMATS = {
    "text": TEXT_FORMAT,
    "reference": TEXT_FORMAT,
    "choice": TEXT_FORMAT,
    "boolean": TEXT_FORMAT,
    "date": DATE_FORMAT,
    "amount": AMOUNT_FORMAT,
    "integer": "0",
    "decimal": "General",
}
KIND_EXPLANATIONS = {
    "text": gettext_lazy(
        "Text. The cells are formatted as text, so long numbers such as ID numbers "
        "and codes stay exactly as typed."
    ),
    "date": gettext_lazy(
        "A date: a date cell, or text such as 2023-05-01, 2023/5/1, 2023.5.1 or 2023年5月1日."
    ),
    "amount": gettext_lazy("An amount in the unit the column header names (yuan or 10,000 yuan)."),
    "integer": gettext_lazy("A whole number."),
    "decimal": gettext_lazy("A number."),
    "choice": gettext_lazy("One of the allowed values; pick it from the drop-down list."),
    "reference": gettext_lazy(
        "A record already in AidTrack, identified as “What to enter” describes."
    ),
    "boolean": gettext_lazy("%(yes)s or %(no)s; pick it from the drop-down list."),
}
KINDS = frozenset(NUMBER_FORMATS)

REQUIRED_FILL = PatternFill("solid", fgColor="F8CBAD")
OPTIONAL_FILL = PatternFill("solid", fgColor="DDEBF7")
REQUIRED_FONT = Font(bold=True)
EXAMPLE_FONT = Font(italic=True, color="7F7F7F")
GUIDE_HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")
WRAPPED = Alignment(wrap_text=True, vertical="top")

# Column widths in Excel's units (about one Latin character; a CJK character
# takes two). Help text wider than HELP_WIDTH wraps in the comment instead of
# making the column that wide.
MIN_WIDTH, MAX_WIDTH, HELP_WIDTH = 8, 60, 30
# The instructions table: column, required, what to enter, allowed values, format.
GUIDE_WIDTHS = (24, 8, 40, 40, 50)


def template_workbook(*, title: str, columns: Sequence, instructions: Sequence[str]) -> bytes:
    """The .xlsx template of an import named ``title`` with ``columns``, as bytes.

    ``columns`` are import columns (``header``, ``required``, ``choice_labels``,
    ``help_text``, ``example``, ``kind``); ``instructions`` are lines of the
    instructions sheet, already translated. Sheets: the data sheet (named after
    ``title``), the instructions, and the hidden lists of the drop-downs.
    """
    title, columns = str(title), _plain_columns(columns)
    workbook = Workbook()
    workbook.properties.creator = "AidTrack"
    workbook.properties.title = title
    data = workbook.active
    guide_title = sheet_title(_("Instructions"))
    data.title = _distinct(sheet_title(title), taken=(guide_title, LISTS_SHEET))
    guide = workbook.create_sheet(guide_title)
    lists = workbook.create_sheet(LISTS_SHEET)
    lists.sheet_state = "hidden"

    _write_data_sheet(data, columns)
    _add_drop_downs(data, lists, columns)
    _write_guide(guide, columns, instructions, data_sheet=data.title)

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@dataclass(frozen=True)
class _Column:
    """What the template reads of an import column, as plain text (lazy texts resolved)."""

    header: str
    kind: str
    required: bool
    labels: tuple[str, ...]
    help_text: str
    example: object

    @classmethod
    def of(cls, column) -> "_Column":
        if column.kind not in KINDS:
            raise ValueError(f"Import column {column.header!r}: unknown kind {column.kind!r}")
        if column.kind == "boolean":
            labels = tuple(_yes_no())
        elif column.kind == "choice":
            labels = tuple(str(label) for label in column.choice_labels)
        else:
            labels = ()
        return cls(
            header=str(column.header),
            kind=column.kind,
            required=bool(column.required),
            labels=labels,
            help_text=str(column.help_text or ""),
            example=column.example,
        )


def _plain_columns(columns) -> list[_Column]:
    """The columns as ``_Column``; a header declared twice could not be matched, so refused."""
    plain, seen = [], set()
    for column in map(_Column.of, columns):
        if column.header in seen:
            raise ValueError(f"Import column {column.header!r} is declared twice")
        seen.add(column.header)
        plain.append(column)
    return plain


def _distinct(name: str, *, taken: Sequence[str]) -> str:
    """``name``, changed if another sheet has it (Excel compares names case-blind)."""
    taken_folded = {other.casefold() for other in taken}
    candidate, number = name, 1
    while candidate.casefold() in taken_folded:
        number += 1
        suffix = f" ({number})"
        candidate = name[: SHEET_NAME_LENGTH - len(suffix)] + suffix
    return candidate


def _yes_no() -> list[str]:
    return [_("Yes"), _("No")]


def _write_data_sheet(sheet, columns) -> None:
    sheet.append(xlsx_row(sheet, [column.header for column in columns]))
    sheet.append(xlsx_row(sheet, [_example(column) for column in columns]))
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        number_format = NUMBER_FORMATS[column.kind]
        dimension = sheet.column_dimensions[letter]
        # The column's style is what Excel gives the cells typed into it later.
        dimension.number_format = number_format
        dimension.width = _width(column)
        header = sheet.cell(row=1, column=index)
        header.fill = REQUIRED_FILL if column.required else OPTIONAL_FILL
        if column.required:
            header.font = REQUIRED_FONT
        note = _header_note(column)
        if note:
            header.comment = _comment(note)
        example = sheet.cell(row=2, column=index)
        example.number_format = number_format
        example.font = EXAMPLE_FONT
    sheet.freeze_panes = "A2"


def _example(column):
    """The example row's value, typed as the column expects it."""
    value = column.example
    if value is None:
        return None
    if column.kind == "boolean" and isinstance(value, bool):
        return _yes_no()[0 if value else 1]
    if NUMBER_FORMATS[column.kind] == TEXT_FORMAT:
        return str(value)  # an ID number given as int still shows as the text it is
    if isinstance(value, datetime):
        return value.date()  # a date column's example; Excel has no time zones
    return value


def _header_note(column) -> str:
    lines = [_("Required")] if column.required else []
    if column.help_text:
        lines.append(column.help_text)
    return "\n".join(lines)


def _comment(text: str) -> Comment:
    # Sized to its text: Excel's default box shows about two short lines.
    lines = sum(1 + _display_width(line) // 36 for line in text.splitlines())
    return Comment(text, "AidTrack", height=max(40, 18 * lines + 10), width=220)


def _display_width(text: str) -> int:
    """Width in Latin characters: a CJK (wide or full-width) character counts two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _shown(value) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return "2023-05-01"  # as DATE_FORMAT shows any date
    if isinstance(value, Decimal) or type(value) is int:
        return f"{value:,.2f}"  # as AMOUNT_FORMAT shows it, the widest of the number formats
    return str(value)


def _width(column) -> int:
    widths = [
        _display_width(column.header),
        _display_width(_shown(_example(column))),
        min(_display_width(column.help_text), HELP_WIDTH),
        *(_display_width(label) for label in column.labels),
    ]
    return max(MIN_WIDTH, min(max(widths) + 2, MAX_WIDTH))


def _add_drop_downs(data, lists, columns) -> None:
    """A list validation per choice and yes/no column, its labels a row of the hidden sheet.

    A range has no length limit and no separator, so a long list, or a label
    with a comma in it, works where an inline list would not. Each row of the
    lists sheet starts with the column's header, so it reads plainly if shown.
    """
    for index, column in enumerate(columns, start=1):
        labels = column.labels
        if not labels:
            continue
        lists.append(xlsx_row(lists, [column.header, *labels]))
        row, last = lists.max_row, get_column_letter(len(labels) + 1)
        validation = DataValidation(
            type="list",
            formula1=f"{quote_sheetname(LISTS_SHEET)}!$B${row}:${last}${row}",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=column.header[:32],  # Excel's limit for the title
            error=_("Pick one of the allowed values from the drop-down list."),
        )
        target = get_column_letter(index)
        validation.add(f"{target}2:{target}{VALIDATED_ROWS + 1}")
        data.add_data_validation(validation)


def _write_guide(sheet, columns, instructions, *, data_sheet: str) -> None:
    """Instructions, how the data sheet is marked, then one line per column explained."""
    notes = [
        *instructions,
        _(
            "Do not change the headers in row 1 of the sheet “%(sheet)s”: the import "
            "finds each column by its header."
        )
        % {"sheet": data_sheet},
        _("Columns whose header is bold and shaded are required; the others may be left empty."),
        _(
            "Row 2 of the sheet “%(sheet)s” is an example: replace it with your own data "
            "or delete it before uploading."
        )
        % {"sheet": data_sheet},
    ]
    for line in notes:
        sheet.append(xlsx_row(sheet, [str(line)]))
    sheet.append([])
    header = [_("Column"), _("Required"), _("What to enter"), _("Allowed values"), _("Format")]
    sheet.append(xlsx_row(sheet, header))
    header_row = sheet.max_row
    yes, no = _yes_no()
    separator = pgettext("list separator", ", ")
    for column in columns:
        sheet.append(
            xlsx_row(
                sheet,
                [
                    column.header,
                    yes if column.required else no,
                    column.help_text,
                    separator.join(column.labels),
                    _kind_explanation(column.kind),
                ],
            )
        )
    for cell in sheet[header_row]:
        cell.font = REQUIRED_FONT
        cell.fill = GUIDE_HEADER_FILL
    for row in sheet.iter_rows(min_row=header_row + 1):
        for cell in row:
            cell.alignment = WRAPPED
    for index, width in enumerate(GUIDE_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width


def _kind_explanation(kind: str) -> str:
    explanation = str(KIND_EXPLANATIONS[kind])
    if kind == "boolean":
        yes, no = _yes_no()
        explanation = explanation % {"yes": yes, "no": no}
    return explanation
