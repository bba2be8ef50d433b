"""CSV and Excel downloads of a filtered list, column for column as shown.

A table that declares column totals gets a last row with them, computed over
the whole filtered list (the same figures as the page's totals row).

No export carries a formula: users type the text (a channel, a note, a
name), and a spreadsheet would run ``=HYPERLINK(…)`` or ``+cmd|…`` typed there
when the file is opened. ``formula_like`` is the rule; CSV prefixes such text
with a quote (the OWASP recommendation) and XLSX stores every text as a plain
string cell, so it is shown, never evaluated. Numbers and dates stay typed.

Made for Excel: an amount is the number of yuan its header names (（元）),
never the "1,787.00万元" the page shows, formatted #,##0.00; a percentage is
a fraction with a percentage format (core.tables.Column); the header is bold
and frozen, the columns sized, the totals row bold (core.xlsx).
"""

import csv
import io
from datetime import date, datetime
from decimal import Decimal
from itertools import islice

from django.http import StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE

from aidtrack.core import export_rows
from aidtrack.core.xlsx import stream_workbook

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
    """Cells for ``sheet.append``: text kept as a string cell, never a formula.

    openpyxl makes a string starting with "=" a formula cell (and "#N/A"…
    an error cell); such text goes in a cell whose type is set to string
    after the value, so it is kept exactly as typed. Other text is a string
    cell already, and is passed as it is (a cell object per text was most of
    an export's time). Control characters XML cannot carry are dropped
    (openpyxl would refuse the row).
    """
    row = []
    for value in values:
        if isinstance(value, str):
            value = ILLEGAL_CHARACTERS_RE.sub("", value)
            if value.startswith("=") or value in ERROR_CODES:
                cell = WriteOnlyCell(sheet, value=value)
                cell.data_type = "s"
                value = cell
        row.append(value)
    return row


def _take(buffer: io.StringIO) -> str:
    """What was written to ``buffer`` since the last take; the buffer is emptied."""
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def _filename(model, extension: str) -> str:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return f"{model._meta.model_name}-{stamp}.{extension}"


def _chunks(table, queryset, cell):
    """The rows' cells (``cell(value)`` per column), a chunk of rows at a time.

    Read as column values (core.export_rows) unless a column needs the
    instance; then from instances, each cell read once from its row.
    """
    chunks = export_rows.cell_chunks(table, queryset, cell)
    if chunks is not None:
        return chunks
    return _instance_chunks(table, queryset, cell)


def _percent_text(text: str) -> str:
    return text + "%" if text else text


def _fraction(value):
    return None if value is None else value / 100


def _percent_indexes(table) -> list[int]:
    return [index for index, column in enumerate(table.columns) if column.percent]


def _percentages(row, indexes, convert) -> list:
    """``row`` with the cells at ``indexes`` (percentage columns) passed through ``convert``."""
    row = list(row)
    for index in indexes:
        row[index] = convert(row[index])
    return row


def _with_percentages(table, chunks, convert):
    """The chunks with each percentage column's cell converted; only such lists pay for it."""
    indexes = _percent_indexes(table)
    if not indexes:
        return chunks
    return ([_percentages(row, indexes, convert) for row in chunk] for chunk in chunks)


def _instance_chunks(table, queryset, cell):
    readers = [column.reader() for column in table.columns]
    objects = _objects(table, queryset)
    while chunk := list(islice(objects, CHUNK_SIZE)):
        yield [[cell(read(obj)) for read in readers] for obj in chunk]


def _csv_cell(value) -> str:
    """``csv_text(value, Column.text)`` in one pass: text, quoted when it reads as a formula."""
    if type(value) is str:  # most cells: checked first (an export makes millions)
        return "'" + value if value.startswith(FORMULA_TRIGGERS) else value
    if value is None:
        return ""
    if value is True or value is False:
        return str(_("Yes") if value else _("No"))
    if isinstance(value, int | float | Decimal):
        return str(value)  # a number, never neutralised
    if isinstance(value, date):  # and datetime: Y-m-d as stored
        return value.isoformat()[:10]
    text = value if isinstance(value, str) else str(value)
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


# Related records kept per relation while an export runs; past this many the
# cache starts again, so a long download's memory stays flat.
RELATED_CACHE_SIZE = 20_000


def _objects(table, queryset):
    """The rows, each with its related records attached, in chunks.

    ``select_related`` builds every related record again for every row: an
    export of 100,000 fund transactions built 500,000 model instances, most of
    them the same few thousand organisations and projects, and that was most
    of its time. Here the rows are read alone and each chunk's related records
    are fetched once (``in_bulk``), kept for the chunks after, and attached as
    ``select_related`` would, so columns and ``__str__`` read them the same way.
    """
    relations = _chunked_relations(table, queryset)
    if not relations:
        yield from queryset.iterator(chunk_size=CHUNK_SIZE)
        return
    kept = [path for path in table.select_related if path.partition("__")[0] not in relations]
    queryset = queryset.select_related(None)
    if kept:
        queryset = queryset.select_related(*kept)
    caches = {name: {} for name in relations}
    rows = queryset.iterator(chunk_size=CHUNK_SIZE)
    while chunk := list(islice(rows, CHUNK_SIZE)):
        for name, (field, paths) in relations.items():
            _attach(chunk, field, paths, caches[name])
        yield from chunk


def _chunked_relations(table, queryset) -> dict:
    """``{name: (field, select_related paths below it)}`` of the table's forward relations."""
    relations: dict = {}
    for path in table.select_related:
        name, _sep, below = path.partition("__")
        field = queryset.model._meta.get_field(name)
        if not (field.many_to_one or field.one_to_one) or not field.concrete:
            continue  # reverse one-to-one: left to select_related
        if field.target_field != field.related_model._meta.pk:
            continue  # points at another column than the id
        relations.setdefault(name, (field, []))[1].extend([below] if below else [])
    return relations


def _attach(chunk, field, paths, cache: dict) -> None:
    ids = {getattr(obj, field.attname) for obj in chunk}
    ids.discard(None)
    missing = ids - cache.keys()
    if len(cache) + len(missing) > RELATED_CACHE_SIZE:
        cache.clear()
        missing = ids
    if missing:
        related = field.related_model._base_manager.all()
        if paths:  # (select_related() without paths would follow every relation)
            related = related.select_related(*paths)
        cache.update(related.in_bulk(missing))
    for obj in chunk:
        key = getattr(obj, field.attname)
        field.set_cached_value(obj, None if key is None else cache[key])


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
    header = [csv_text(str(column.verbose_name)) for column in table.columns]

    language = translation.get_language()

    def lines():
        # Written after the view returned: in the language of the request.
        with translation.override(language):
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            # A byte-order mark so Excel opens Chinese text as UTF-8.
            buffer.write("\ufeff")
            writer.writerow(header)
            yield _take(buffer)  # the download starts before the first rows are read
            chunks = _chunks(table, queryset, _csv_cell)
            for chunk in _with_percentages(table, chunks, _percent_text):
                writer.writerows(chunk)  # a chunk's lines in one piece
                yield _take(buffer)
            totals_row = _totals_row(totals)
            if totals_row:
                cells = [csv_text(value) for value in totals_row]
                writer.writerow(_percentages(cells, _percent_indexes(table), _percent_text))
            yield _take(buffer)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(table.model, "csv")}"'
    return response


def export_xlsx(table, queryset, totals=None) -> StreamingHttpResponse:
    header = [str(column.verbose_name) for column in table.columns]
    language = translation.get_language()

    formats = [column.number_format for column in table.columns]

    def rows():
        for chunk in _with_percentages(table, _chunks(table, queryset, _cell), _fraction):
            yield from chunk

    def footer():
        totals_row = _totals_row(totals)
        if not totals_row:
            return None
        cells = [_cell(value) for value in totals_row]
        return _percentages(cells, _percent_indexes(table), _fraction)

    def pieces():
        # Written after the view returned: in the language of the request.
        with translation.override(language):
            yield from stream_workbook(
                str(table.model._meta.verbose_name_plural),
                header,
                rows(),
                formats=formats,
                footer=footer,
            )

    response = StreamingHttpResponse(
        pieces(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename(table.model, "xlsx")}"'
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
