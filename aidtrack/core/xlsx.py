"""A streaming XLSX writer for list exports: one sheet of typed cells, text never a formula.

openpyxl builds an object per cell and its XML through a general serializer;
a list export needs far less: one sheet of text, numbers, dates and yes/no,
written in order. Here each row becomes its XML in one pass and goes into the
zip entry as it is made, and the zip is handed to the response piece by
piece, so a download starts at once and memory stays flat however many rows
follow.

Text is written as an inline string: a cell that is a string by its type,
so ``=HYPERLINK(…)``, ``+cmd|…`` or ``#N/A`` is shown as typed, never
evaluated (core.exports explains why that matters). Characters XML cannot
carry are dropped. Dates and times are Excel serial numbers with a date
format, so they sort and filter as dates. A column may name a number format
(``MONEY_FORMAT``, ``PERCENT_FORMAT``) its numbers are shown with. The header
row is bold and frozen, the footer (a totals row) bold, and each column is as
wide as its header and its first rows need.
"""

import io
import re
import zipfile
from datetime import date, datetime
from decimal import Decimal
from itertools import chain, islice
from xml.sax.saxutils import escape

# Control characters XML 1.0 cannot carry (tab, LF and CR it can).
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# Characters Excel refuses in a sheet's name, and the name's longest length.
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
SHEET_NAME_LENGTH = 31
_EPOCH = datetime(1899, 12, 30)  # Excel's day 0 (with its 1900 leap-year quirk folded in)
# Number formats a column may ask for (Excel's built-in formats 4 and 9).
MONEY_FORMAT = "#,##0.00"
PERCENT_FORMAT = "0%"
# Style indexes of styles.xml below: 0 plain, 1 date, 2 date and time, 3 bold,
# then each number format plain and bold.
_DATE_STYLE, _DATETIME_STYLE, _BOLD_STYLE = 1, 2, 3
_NUMBER_STYLES = {None: (0, _BOLD_STYLE), MONEY_FORMAT: (4, 5), PERCENT_FORMAT: (6, 7)}
# Rows read before the sheet starts, to size the columns (a download still starts at once).
WIDTH_SAMPLE = 200
MIN_WIDTH, MAX_WIDTH = 8, 50
# Rows turned into XML before they are compressed and handed on.
ROWS_PER_WRITE = 200

_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_PACKAGE = "http://schemas.openxmlformats.org/package/2006"
_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_SPREADSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_REL_NS = f'xmlns:r="{_RELATIONSHIPS}"'


def _override(part: str, content_type: str) -> str:
    return f'<Override PartName="{part}" ContentType="{_SPREADSHEET}.{content_type}+xml"/>'


def _relationships(*targets: tuple[str, str]) -> str:
    links = "".join(
        f'<Relationship Id="rId{number}" Type="{_RELATIONSHIPS}/{kind}" Target="{target}"/>'
        for number, (kind, target) in enumerate(targets, start=1)
    )
    return f'{_DECLARATION}<Relationships xmlns="{_PACKAGE}/relationships">{links}</Relationships>'


_CONTENT_TYPES = (
    f'{_DECLARATION}<Types xmlns="{_PACKAGE}/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    + _override("/xl/workbook.xml", "sheet.main")
    + _override("/xl/worksheets/sheet1.xml", "worksheet")
    + _override("/xl/styles.xml", "styles")
    + "</Types>"
)
_ROOT_RELS = _relationships(("officeDocument", "xl/workbook.xml"))
_WORKBOOK_RELS = _relationships(("worksheet", "worksheets/sheet1.xml"), ("styles", "styles.xml"))
_STYLES = (
    _DECLARATION + f"<styleSheet {_NS}>"
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="8"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="4" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="4" fontId="1" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"'
    ' applyFont="1"/>'
    '<xf numFmtId="9" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="9" fontId="1" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"'
    ' applyFont="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
_SHEET_START = (
    _DECLARATION + f"<worksheet {_NS} {_REL_NS}>"
    '<sheetViews><sheetView workbookViewId="0">'
    '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
    "</sheetView></sheetViews>"
)
_SHEET_END = "</sheetData></worksheet>"


def sheet_title(text: str) -> str:
    """``text`` as a sheet name Excel opens: what it refuses becomes a space, at most 31 characters.

    Excel refuses ``[]:*?/\\`` in a name and an apostrophe at either end
    (it quotes sheet names with apostrophes in references).
    """
    name = " ".join(_SHEET_NAME_FORBIDDEN.sub(" ", text).split()).strip("' ")
    return name[:SHEET_NAME_LENGTH].strip("' ") or "Sheet1"


def _workbook(sheet_name: str) -> str:
    name = sheet_title(sheet_name)
    return (
        _DECLARATION + f"<workbook {_NS} {_REL_NS}><sheets>"
        f'<sheet name="{escape(name, {chr(34): "&quot;"})}" sheetId="1" r:id="rId1"/>'
        "</sheets></workbook>"
    )


def _column_letters(count: int) -> list[str]:
    letters = []
    for index in range(1, count + 1):
        name = ""
        while index:
            index, remainder = divmod(index - 1, 26)
            name = chr(65 + remainder) + name
        letters.append(name)
    return letters


def _serial(value: date) -> float:
    if isinstance(value, datetime):
        return (value.replace(tzinfo=None) - _EPOCH).total_seconds() / 86400
    return float((value - _EPOCH.date()).days)


def _cell(ref: str, value, number_style: str = "", text_style: str = "") -> str:
    """One ``<c>``; None is an empty cell (nothing written).

    ``number_style`` is the ``s`` attribute of a number (its column's format),
    ``text_style`` that of a text or yes/no (bold in the header and footer).
    """
    if value is None:
        return ""
    if isinstance(value, str):
        text = escape(_ILLEGAL_XML.sub("", value))
        inline = f'<is><t xml:space="preserve">{text}</t></is>'
        return f'<c r="{ref}"{text_style} t="inlineStr">{inline}</c>'
    if value is True or value is False:
        return f'<c r="{ref}"{text_style} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, Decimal):
        return f'<c r="{ref}"{number_style}><v>{value:f}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}"{number_style}><v>{value!r}</v></c>'
    if isinstance(value, date):
        style = _DATETIME_STYLE if isinstance(value, datetime) else _DATE_STYLE
        return f'<c r="{ref}" s="{style}"><v>{_serial(value)!r}</v></c>'
    return _cell(ref, str(value), number_style, text_style)


def _style(index: int) -> str:
    return f' s="{index}"' if index else ""


def _shown_width(value, number_format) -> int:
    """About how many character widths Excel needs to show ``value`` (CJK counts two)."""
    if value is None:
        return 0
    if isinstance(value, str):
        return len(value) + (len(value.encode()) - len(value)) // 2
    if value is True or value is False:
        return 5
    if isinstance(value, datetime):
        return 19
    if isinstance(value, date):
        return 10
    if isinstance(value, int | float | Decimal):
        if number_format == MONEY_FORMAT:
            return len(f"{value:,.2f}")
        if number_format == PERCENT_FORMAT:
            return 5
        return len(str(value))
    return _shown_width(str(value), number_format)


def _columns_xml(header: list, sample: list, formats: list) -> str:
    """``<cols>``: each column as wide as its header and the sampled rows need."""
    widths = []
    for index, title in enumerate(header):
        number_format = formats[index]
        widest = max(
            [_shown_width(title, None)]
            + [_shown_width(row[index], number_format) for row in sample if index < len(row)]
        )
        widths.append(min(max(widest + 2, MIN_WIDTH), MAX_WIDTH))
    columns = "".join(
        f'<col min="{number}" max="{number}" width="{width}" customWidth="1"/>'
        for number, width in enumerate(widths, start=1)
    )
    return f"<cols>{columns}</cols>" if columns else ""


class _Pipe(io.RawIOBase):
    """A write-only, unseekable file: zipfile writes into it, the response takes what came."""

    def __init__(self):
        self._pieces: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._pieces.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data = b"".join(self._pieces)
        self._pieces.clear()
        return data


def stream_workbook(sheet_name: str, header: list, rows, *, formats=None, footer=None):
    """The .xlsx file of ``header`` then ``rows`` (lists of values), as byte pieces.

    Values are str, numbers (int, float, Decimal), bool, date, datetime
    (naive, as it should be shown) or None. ``formats`` names each column's
    number format (None, ``MONEY_FORMAT``, ``PERCENT_FORMAT``); ``footer`` is a
    last row written bold (a totals row), or a callable giving it (or None)
    once the rows are written.
    """
    formats = list(formats or [None] * len(header))
    letters = _column_letters(len(header))
    styles = [_NUMBER_STYLES[number_format] for number_format in formats]
    plain = (letters, [_style(style) for style, _bold in styles])
    bold = (letters, [_style(style) for _plain, style in styles])
    rows = iter(rows)
    sample = list(islice(rows, WIDTH_SAMPLE))
    pipe = _Pipe()
    with zipfile.ZipFile(pipe, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _workbook(sheet_name))
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/styles.xml", _STYLES)
        yield pipe.take()
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            start = _SHEET_START + _columns_xml(header, sample, formats) + "<sheetData>"
            sheet.write(start.encode())
            pending = [_row(1, bold, header, _style(_BOLD_STYLE))]
            number = 1
            for number, row in enumerate(chain(sample, rows), start=2):  # noqa: B007
                pending.append(_row(number, plain, row))
                if len(pending) >= ROWS_PER_WRITE:
                    sheet.write("".join(pending).encode())
                    pending.clear()
                    yield pipe.take()
            last = footer() if callable(footer) else footer
            if last:
                pending.append(_row(number + 1, bold, last, _style(_BOLD_STYLE)))
            pending.append(_SHEET_END)
            sheet.write("".join(pending).encode())
    yield pipe.take()


def _row(number: int, columns: tuple, values, text_style: str = "") -> str:
    """``<row>`` of ``values``; ``columns`` holds the letters and the number styles."""
    letters, styles = columns
    cells = "".join(
        [
            _cell(f"{letter}{number}", value, style, text_style)
            for letter, style, value in zip(letters, styles, values, strict=False)
        ]
    )
    return f'<row r="{number}">{cells}</row>'
