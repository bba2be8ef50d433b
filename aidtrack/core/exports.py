"""CSV and Excel downloads of a filtered list, column for column as shown.

A table that declares column totals gets a last row with them, computed over
the whole filtered list (the same figures as the page's totals row).

No export carries a formula: users type the text (a channel, a note, a
name), and a spreadsheet would run ``=HYPERLINK(…)`` or ``+cmd|…`` typed there
when the file is opened. ``formula_like`` is the rule; CSV prefixes such text
with a quote (the OWASP recommendation) and XLSX stores every text as a plain
string cell, so it is shown, never evaluated. Numbers and dates stay typed.
"""

import csv
from datetime import date, datetime
from decimal import Decimal

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

EXPORT_FORMATS = ("csv", "xlsx")
# Rows fetched from the database at a time while writing.
CHUNK_SIZE = 2000
# Leading characters that make Excel, LibreOffice or Sheets read a cell as a
# formula (tab and CR too: some applications strip them before parsing).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def formula_like(value) -> bool:
    """Is this text a spreadsheet would treat as a formula? Numbers never are."""
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def _is_number(value) -> bool:
    # Decimal, int, float — a negative amount is a number, not text to neutralise.
    return not isinstance(value, bool) and isinstance(value, int | float | Decimal)


def csv_text(value, text: str | None = None) -> str:
    """The CSV cell for ``value`` (shown as ``text``), quoted when it reads as a formula."""
    text = ("" if value is None else str(value)) if text is None else text
    if not _is_number(value) and formula_like(text):
        return "'" + text
    return text


def xlsx_row(sheet, values) -> list:
    """Cells for ``sheet.append``: text forced to a string cell, never a formula.

    openpyxl makes any string starting with "=" a formula cell; setting the
    data type after the value keeps the text exactly as typed. Control
    characters XML cannot carry are dropped (openpyxl would refuse the row).
    """
    row = []
    for value in values:
        if isinstance(value, str):
            cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
            cell.data_type = "s"
            value = cell
        row.append(value)
    return row


class _Echo:
    """A file-like object whose write returns the line, for streaming CSV."""

    def write(self, value):
        return value


def _filename(model, extension: str) -> str:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return f"{model._meta.model_name}-{stamp}.{extension}"


def _rows(table, queryset):
    """Each row's CSV cells: the value read once per cell, the text made from it."""
    columns = table.columns
    for obj in queryset.iterator(chunk_size=CHUNK_SIZE):
        yield [csv_text(value, _text(value)) for value in map(_reader(obj), columns)]


def _reader(obj):
    return lambda column: column.value(obj)


def _text(value) -> str:
    """``Column.text`` of a value already read (the same rules, without reading it twice)."""
    if value is None:
        return ""
    if value is True or value is False:
        return str(_("Yes") if value else _("No"))
    if isinstance(value, date):  # and datetime: Y-m-d as stored
        return value.isoformat()[:10]
    return str(value)


def _totals_row(totals) -> list | None:
    """The totals under the columns that have one, labelled in the first free cell.

    ``totals`` may be a callable, run when the rows are written: a download
    starts at once and sums its list in one aggregate at the end.
    """
    if callable(totals):
        totals = totals()
    if not totals:
        return None
    row = [value for _column, value in totals]
    if row[0] is None:
        row[0] = _("Total")
    return row


def export_csv(table, queryset, totals=None) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())
    header = [csv_text(str(column.verbose_name)) for column in table.columns]

    language = translation.get_language()

    def lines():
        # Written after the view returned: in the language of the request.
        with translation.override(language):
            # A byte-order mark so Excel opens Chinese text as UTF-8.
            yield "\ufeff" + writer.writerow(header)
            for row in _rows(table, queryset):
                yield writer.writerow(row)
            totals_row = _totals_row(totals)
            if totals_row:
                yield writer.writerow([csv_text(value) for value in totals_row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(table.model, "csv")}"'
    return response


def export_xlsx(table, queryset, totals=None) -> HttpResponse:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(table.model._meta.verbose_name_plural)[:31])
    header = [str(column.verbose_name) for column in table.columns]
    sheet.append(xlsx_row(sheet, header))
    for obj in queryset.iterator(chunk_size=CHUNK_SIZE):
        sheet.append(xlsx_row(sheet, [_cell(column.value(obj)) for column in table.columns]))
    totals_row = _totals_row(totals)
    if totals_row:
        sheet.append(xlsx_row(sheet, [_cell(value) for value in totals_row]))
    response = HttpResponse(
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename(table.model, "xlsx")}"'
    workbook.save(response)
    return response


def _cell(value):
    """Numbers and dates stay typed so Excel can sum and sort them."""
    if value is None or isinstance(value, int | float | bool):
        return value
    if isinstance(value, datetime):
        return timezone.localtime(value).replace(tzinfo=None)
    if hasattr(value, "as_tuple") or hasattr(value, "isoformat"):
        return value  # Decimal, date
    return str(value)


def export(table, queryset, fmt: str, totals=None):
    if fmt == "csv":
        return export_csv(table, queryset, totals)
    return export_xlsx(table, queryset, totals)
