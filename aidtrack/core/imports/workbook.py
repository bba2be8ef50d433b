"""Reading the first worksheet of an uploaded .xlsx: streamed, bounded, never evaluated.

An .xlsx is a zip of XML parts. openpyxl reads it into an object per cell and
trusts the archive; an upload is a stranger's file, so this reader is our own:

- **The archive is checked before anything is unpacked.** The central
  directory is bounded first (zipfile would load any number of entries), then
  each part's declared size: zipfile never inflates a part beyond the size it
  declares (and a part that lies fails its CRC), so the declared sizes bound
  the work. A part that inflates more than ``_BOMB_RATIO`` times, or parts
  adding up to more than ``_EXPANSION`` times the upload limit, are a zip bomb
  or simply too much. Encrypted parts and unknown compressions are refused.
- **No XML part may carry a DTD**: a DOCTYPE is how XML declares entities
  (the "billion laughs" bomb, external files), and no workbook needs one. The
  bytes are scanned for it as they stream in, before lxml sees them, and lxml
  parses without resolving entities or touching the network besides.
- **The sheet is streamed** with lxml's pull parser, row by row, each row
  cleared once read, so memory stays flat whatever the row count. Only the
  shared strings are held (every row may point at any of them), compactly, in
  UTF-8 with their end offsets, and their part is bounded by ``_SHARED_TEXT``.
- **Merged header cells** are listed after the rows (``<mergeCells>`` follows
  ``<sheetData>``), so the sheet is first scanned as bytes for them: inflating
  a part costs a fraction of parsing it.

Values: text, ``int`` (an integral number), ``Decimal`` (from the XML's own
digits, never through a float), ``bool``, ``date``/``datetime``/``time`` for
numbers with a date or time format, ``Formula`` for a cell holding one.
"""

import posixpath
import re
import struct
import zipfile
import zlib
from array import array
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from django.utils.translation import gettext as _
from lxml import etree

from aidtrack.core.imports.sheet import FileRefused, Formula, RawRows, not_a

# Parts may unpack to this many times the upload limit, all together: a
# legitimate sheet of 100,000 rows and 35 columns unpacks to ~210 MB from ~17 MB.
_EXPANSION = 20
# The shared strings are held in memory, so their part is bounded more tightly.
_SHARED_TEXT = 5
# A part above this size that inflates more than _BOMB_RATIO times is a bomb:
# sheet XML compresses ~10 times, a run of zeros ~1,000 times.
_BOMB_RATIO = 100
_BOMB_MIN_SIZE = 1024 * 1024
# A workbook has tens of parts; the central directory listing them stays small.
_MAX_PARTS = 10_000
_MAX_DIRECTORY_BYTES = 1024 * 1024
# What is remembered from styles and formulas, at most (Excel allows 64,000 styles).
_MAX_STYLES = 100_000
_MAX_SHARED_FORMULAS = 10_000
_CHUNK = 256 * 1024
# An element is built whole before it is read: a row, a string item, whatever lies
# between two of them may take this much XML at most (a real row takes kilobytes;
# a flood of tiny elements costs some 30 times its XML in memory).
_MAX_BETWEEN_EVENTS = 2 * 1024 * 1024
# What is read in one pass over a sheet's bytes, looking for merged cells.
_SCAN_CHUNK = 1024 * 1024
# Cell reference letters → column index, filled as met (at most Excel's 16,384 columns).
_COLUMN_INDEXES: dict[str, int] = {}
# The columns Excel has (A…XFD) and the letters of a cell reference.
_MAX_COLUMNS = 16_384
_DIGITS = "0123456789"

_MAIN_NAMESPACES = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",  # "Strict Open XML"
)
_WORKBOOK = "xl/workbook.xml"
_WORKBOOK_RELATIONSHIPS = "xl/_rels/workbook.xml.rels"
_CONTENT_TYPES = "[Content_Types].xml"
REQUIRED_PARTS = (_CONTENT_TYPES, _WORKBOOK)

# A DOCTYPE or ENTITY declaration, as the bytes of each encoding an XML part may use.
_DTD_MARKERS = tuple(
    marker.encode(encoding)
    for marker in ("<!DOCTYPE", "<!ENTITY")
    for encoding in ("utf-8", "utf-16-le", "utf-16-be")
)
_DTD_OVERLAP = max(len(marker) for marker in _DTD_MARKERS) - 1

# Excel writes characters XML cannot carry as _xHHHH_ (a carriage return is _x000D_).
_ESCAPED_CHARACTER = re.compile(r"_x([0-9A-Fa-f]{4})_")

# Excel's built-in number formats that show a date or a time. 14–22 and 45–47
# are the same everywhere; 27–36 and 50–58 are dates and times in Chinese
# Excel (a file it saves may use them without defining them).
_BUILTIN_DATE_FORMATS = {
    14: "mm-dd-yy",
    15: "d-mmm-yy",
    16: "d-mmm",
    17: "mmm-yy",
    18: "h:mm AM/PM",
    19: "h:mm:ss AM/PM",
    20: "h:mm",
    21: "h:mm:ss",
    22: "m/d/yy h:mm",
    45: "mm:ss",
    46: "[h]:mm:ss",
    47: "mmss.0",
    **dict.fromkeys((27, 36, 50, 52, 57), 'yyyy"年"m"月"'),
    **dict.fromkeys((28, 29, 51, 53, 54, 58), 'm"月"d"日"'),
    30: "m-d-yy",
    31: 'yyyy"年"m"月"d"日"',
    32: 'h"时"mm"分"',
    33: 'h"时"mm"分"ss"秒"',
    **dict.fromkeys((34, 55), '上午/下午h"时"mm"分"'),
    **dict.fromkeys((35, 56), '上午/下午h"时"mm"分"ss"秒"'),
}
# What a number format shows literally: "text", [colour or condition], \x, _x, *x;
# and elapsed time ([h]:mm), whose brackets hold a time letter.
_FORMAT_LITERALS = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.|_.|\*.')
_ELAPSED_TIME = re.compile(r"\[(h+|m+|s+)\]", re.IGNORECASE)

# Excel's calendars: day 0 of the 1900 system is 1899-12-30 once past its
# phantom 29 February 1900 (day 60, Lotus 1-2-3's leap-year bug, kept by Excel).
_EPOCH_1900 = datetime(1899, 12, 30)
_EPOCH_1904 = datetime(1904, 1, 1)
_PHANTOM_LEAP_DAY = 60
_SECONDS_PER_DAY = 86_400


def excel_datetime(serial, *, date1904: bool = False) -> datetime:
    """Excel's serial day number (an int or a Decimal) as the datetime it shows.

    Raise ``ValueError`` for a number that is no day: negative, beyond 9999,
    or the 29 February 1900 that Excel counts and the calendar does not.
    """
    serial = Decimal(serial)
    if not serial.is_finite() or serial < 0:
        raise ValueError("not a day")
    days = int(serial)
    seconds = round((serial - days) * _SECONDS_PER_DAY)
    if date1904:
        epoch = _EPOCH_1904
    else:
        if days == _PHANTOM_LEAP_DAY:
            raise ValueError("29 February 1900 does not exist")
        epoch = _EPOCH_1900 if days > _PHANTOM_LEAP_DAY else _EPOCH_1900 + timedelta(days=1)
    try:
        return epoch + timedelta(days=days, seconds=seconds)
    except OverflowError as error:
        raise ValueError("beyond the calendar") from error


def format_kind(code: str) -> str | None:
    """``"date"``, ``"datetime"``, ``"time"`` or None: what a number format shows.

    A letter y, m, d, h or s outside quotes, brackets and escapes makes a date
    or a time format; "m" is minutes beside h or s, otherwise months.
    """
    bare = _FORMAT_LITERALS.sub("", _ELAPSED_TIME.sub(r"\1", code)).lower()
    has_time = "h" in bare or "s" in bare
    has_date = "y" in bare or "d" in bare or ("m" in bare and not has_time)
    if has_date:
        return "datetime" if has_time else "date"
    return "time" if has_time else None


def damaged() -> FileRefused:
    return FileRefused(
        _("The file is damaged or incomplete; open it in Excel, save it again and upload it anew.")
    )


def macros_refused() -> FileRefused:
    return FileRefused(
        _(
            "This workbook contains macros, which are never imported; save it as an "
            "Excel Workbook (.xlsx) without macros."
        )
    )


def too_large() -> FileRefused:
    return FileRefused(
        _(
            "This workbook unpacks to more data than an import allows (a zip bomb, or simply "
            "too large); split it into smaller files."
        )
    )


# What a broken archive or XML part raises while it is read.
_DAMAGE = (zipfile.BadZipFile, zlib.error, EOFError, struct.error, etree.LxmlError)


@contextmanager
def damage_refused():
    """Turn the errors of a broken archive or XML part into a refusal the user can act on."""
    try:
        yield
    except _DAMAGE as error:
        raise damaged() from error


def open_workbook(file, *, size: int, max_bytes: int) -> tuple[RawRows, Callable[[], None]]:
    """The rows of the first visible worksheet, and the function that closes the archive.

    ``file`` starts with a zip's signature; ``size`` is its length in bytes.
    """
    with damage_refused():
        _check_central_directory(file, size)
        file.seek(0)
        archive = zipfile.ZipFile(file)
    try:
        with damage_refused():
            reader = _WorkbookReader(archive, max_bytes=max_bytes)
            return reader.rows(), archive.close
    except BaseException:
        archive.close()
        raise


def _check_central_directory(file, size: int) -> None:
    """Refuse an archive listing more parts than a workbook has, before zipfile loads them all.

    The end record (the archive's last 22 bytes, plus a comment of up to 64 KB)
    gives the directory's size; a zip64 archive moves it to its own record.
    """
    tail_size = min(size, 22 + 0xFFFF + 20)
    file.seek(size - tail_size)
    tail = file.read(tail_size)
    end = tail.rfind(b"PK\x05\x06")
    if end < 0 or len(tail) < end + 22:
        raise damaged()
    entries, directory_size = struct.unpack_from("<HI", tail, end + 10)
    if directory_size == 0xFFFFFFFF or entries == 0xFFFF:
        locator = end - 20
        if locator < 0 or tail[locator : locator + 4] != b"PK\x06\x07":
            raise damaged()
        (record_at,) = struct.unpack_from("<Q", tail, locator + 8)
        file.seek(record_at)
        record = file.read(56)
        if len(record) < 56 or record[:4] != b"PK\x06\x06":
            raise damaged()
        entries, directory_size = struct.unpack_from("<QQ", record, 32)
    if entries > _MAX_PARTS or directory_size > _MAX_DIRECTORY_BYTES:
        raise too_large()


class _WorkbookReader:
    """The parts of one workbook that reading its first visible sheet needs."""

    def __init__(self, archive: zipfile.ZipFile, *, max_bytes: int):
        self.archive = archive
        self._check_parts(max_bytes)
        self._refuse_macros()
        sheet_ids, self.date1904, main_namespace = self._visible_sheets()
        self._name_tags(main_namespace)
        sheet_part, strings_part, styles_part = self._related_parts(sheet_ids)
        if sheet_part is None:
            raise FileRefused(_("The workbook has no worksheet to import."))
        self.sheet_part = sheet_part
        self._shared_formulas = {}
        if strings_part and archive.getinfo(strings_part).file_size > _SHARED_TEXT * max_bytes:
            raise too_large()
        self.date_styles = self._date_styles(styles_part) if styles_part else {}
        self.shared_strings = _SharedStrings()
        if strings_part:
            self._read_shared_strings(strings_part)
        merged = self._merged_header_range()
        if merged:
            raise FileRefused(
                _(
                    "The header row has merged cells (%(range)s); unmerge them so that "
                    "each column has its own name."
                )
                % {"range": merged}
            )

    # -- the archive ---------------------------------------------------------------------

    def _check_parts(self, max_bytes: int) -> None:
        infos = self.archive.infolist()
        names = {info.filename for info in infos}
        if not all(part in names for part in REQUIRED_PARTS):
            raise not_a("XLSX")
        total = 0
        for info in infos:
            if info.flag_bits & 0x1 or info.compress_type not in (
                zipfile.ZIP_STORED,
                zipfile.ZIP_DEFLATED,
            ):
                raise damaged()
            inflates = info.file_size > _BOMB_RATIO * max(info.compress_size, 1)
            if info.file_size > _BOMB_MIN_SIZE and inflates:
                raise too_large()
            total += info.file_size
        if total > _EXPANSION * max_bytes:
            raise too_large()

    def _refuse_macros(self) -> None:
        has_project = any(
            posixpath.basename(name).lower() == "vbaproject.bin" for name in self.archive.namelist()
        )
        if has_project or any(
            "macroenabled" in element.get("ContentType", "").lower()
            for element in self._elements(_CONTENT_TYPES, ("{*}Default", "{*}Override"))
        ):
            raise macros_refused()

    def _elements(self, part: str, tags, *, until: str | None = None) -> Iterator:
        """The elements named ``tags`` of a part, each freed once the caller moves on."""
        for count, (_event, element) in enumerate(
            xml_events(self.archive, part, tags, until=until), 1
        ):
            yield element
            element.clear()
            if count % 1000 == 0:
                _drop_earlier_siblings(element)

    # -- the workbook: which sheet, which calendar -----------------------------------------

    def _visible_sheets(self) -> tuple[list[str], bool, str]:
        """The relationship ids of the visible sheets in order, the calendar, the main namespace.

        Hidden sheets (lists behind drop-downs, say) are not what the user sees
        first, so they are passed over.
        """
        sheet_ids = []
        date1904 = False
        namespace = _MAIN_NAMESPACES[0]
        for element in self._elements(_WORKBOOK, ("{*}workbookPr", "{*}sheet"), until="sheets"):
            name = etree.QName(element)
            namespace = name.namespace or namespace
            if name.localname == "workbookPr":
                date1904 = element.get("date1904", "").lower() in ("1", "true")
            elif element.get("state") not in ("hidden", "veryHidden"):
                sheet_ids.append(_relationship_id(element))
                if len(sheet_ids) == _MAX_PARTS:
                    break
        return sheet_ids, date1904, namespace

    def _name_tags(self, namespace: str) -> None:
        if namespace not in _MAIN_NAMESPACES:
            raise damaged()
        for name in ("row", "c", "v", "f", "is", "t", "r", "si"):
            setattr(self, f"tag_{name}", f"{{{namespace}}}{name}")

    def _related_parts(self, sheet_ids: list[str]) -> tuple[str | None, str | None, str | None]:
        """The first of ``sheet_ids`` that is a worksheet (not a chart); the strings; the styles."""
        wanted = set(sheet_ids)
        worksheets = {}
        strings = styles = None
        if _WORKBOOK_RELATIONSHIPS not in self.archive.NameToInfo:
            raise damaged()
        for element in self._elements(_WORKBOOK_RELATIONSHIPS, "{*}Relationship"):
            if element.get("TargetMode") == "External":
                continue
            kind = element.get("Type", "").rsplit("/", 1)[-1]
            target = element.get("Target", "")
            if kind == "worksheet" and element.get("Id") in wanted:
                worksheets[element.get("Id")] = _part_path(target)
            elif kind == "sharedStrings" and strings is None:
                strings = _part_path(target)
            elif kind == "styles" and styles is None:
                styles = _part_path(target)
        sheet = next((worksheets[id_] for id_ in sheet_ids if id_ in worksheets), None)
        for part in (sheet, strings, styles):
            if part is not None and part not in self.archive.NameToInfo:
                raise damaged()
        return sheet, strings, styles

    # -- styles: which cells show a date ---------------------------------------------------

    def _date_styles(self, part: str) -> dict[str, str]:
        """Cell style index (as the sheet writes it) → "date", "datetime" or "time"."""
        formats = dict(_BUILTIN_DATE_FORMATS)
        date_styles = {}
        style_index = 0
        for element in self._elements(part, ("{*}numFmt", "{*}xf"), until="cellXfs"):
            parent = etree.QName(element.getparent()).localname
            if parent == "numFmts" and len(formats) < _MAX_STYLES:
                format_id = _int_or_none(element.get("numFmtId"))
                if format_id is not None:
                    formats[format_id] = element.get("formatCode", "")
            elif parent == "cellXfs" and style_index < _MAX_STYLES:
                code = formats.get(_int_or_none(element.get("numFmtId")))
                kind = format_kind(code) if code else None
                if kind:
                    date_styles[str(style_index)] = kind
                style_index += 1
        return date_styles

    # -- shared strings ------------------------------------------------------------------

    def _read_shared_strings(self, part: str) -> None:
        for count, (_event, item) in enumerate(xml_events(self.archive, part, self.tag_si), 1):
            self.shared_strings.append(self._rich_text(item))
            item.clear()
            if count % 1000 == 0:
                _drop_earlier_siblings(item)

    def _rich_text(self, element) -> str:
        """A string item's text: its <t>, or its runs' (<r><t>); phonetic hints left out."""
        if len(element) == 1 and (only := element[0]).tag == self.tag_t:
            text = only.text or ""  # the usual: one plain <t>
        else:
            parts = []
            for child in element:
                if child.tag == self.tag_t:
                    parts.append(child.text or "")
                elif child.tag == self.tag_r:
                    parts.extend(run.text or "" for run in child if run.tag == self.tag_t)
            text = "".join(parts)
        return _unescaped(text) if "_x" in text else text

    # -- merged header cells -------------------------------------------------------------

    def _merged_header_range(self) -> str | None:
        """The first merged range reaching into row 1, found in the sheet's bytes."""
        overlap = b""
        with self.archive.open(self.sheet_part) as stream:
            while chunk := stream.read(_SCAN_CHUNK):
                window = overlap + chunk
                if b"mergeCell" in window:
                    for match in _MERGE_CELL.finditer(window):
                        reference = match[1].decode("ascii", "replace")
                        if _touches_row_one(reference):
                            return reference
                overlap = chunk[-_MERGE_OVERLAP:]
        return None

    # -- the rows ------------------------------------------------------------------------

    def rows(self) -> RawRows:
        with damage_refused():
            yield from self._rows()

    def _rows(self) -> RawRows:
        # The loop runs once per cell (a million for a full import): what it needs is
        # bound to local names, and the common cells (a number, a string) take the
        # fewest steps.
        tag_v, tag_f, tag_is = self.tag_v, self.tag_f, self.tag_is
        shared_strings, number_of = self.shared_strings, self._number
        row_number = 0
        events = xml_events(self.archive, self.sheet_part, self.tag_row, until="sheetData")
        for count, (_event, row) in enumerate(events, 1):
            reference = row.get("r")
            row_number = _row_number(reference) if reference else row_number + 1
            values = []
            column = 0
            # A row holds cells (an <extLst> among them holds no value and is passed over).
            for cell in row:
                reference = cell.get("r")
                if reference is not None:
                    column = _COLUMN_INDEXES.get(reference.rstrip(_DIGITS))
                    if column is None:
                        column = _column_index(reference)
                text = formula = None
                for child in cell:
                    tag = child.tag
                    if tag == tag_v:
                        text = child.text
                    elif tag == tag_is:
                        text = self._rich_text(child)
                    elif tag == tag_f:
                        formula = child
                if formula is not None:
                    value = self._formula(formula)
                elif not text:
                    value = None
                else:
                    kind = cell.get("t")
                    if kind is None or kind == "n":
                        value = number_of(text, cell.get("s"))
                    elif kind == "s":
                        value = shared_strings.at(text)
                    else:
                        value = _typed_text(text, kind)
                if value is not None:
                    if column < len(values):
                        values[column] = value
                    else:
                        if column > len(values):
                            values.extend([None] * (column - len(values)))
                        values.append(value)
                column += 1
            yield row_number, values
            row.clear()
            if count % 1000 == 0:
                _drop_earlier_siblings(row)

    def _number(self, text: str, style: str | None):
        date_kind = self.date_styles.get(style) if style else None
        if date_kind is not None:
            return _date_value(text, date_kind, self.date1904)
        return _plain_number(text)

    def _formula(self, element) -> Formula:
        """The formula, as the formula bar shows it (a shared one's text is on its first cell)."""
        text = element.text or ""
        if element.get("t") == "shared":
            key = element.get("si", "")
            if text and len(self._shared_formulas) < _MAX_SHARED_FORMULAS:
                self._shared_formulas[key] = text
            text = text or self._shared_formulas.get(key, "")
        return Formula("=" + text.lstrip("="))


_MERGE_CELL = re.compile(rb"""<(?:[\w.-]+:)?mergeCell\s[^>]*?\bref\s*=\s*["']([^"']*)["']""")
_MERGE_OVERLAP = 512
_ROW_OF_REFERENCE = re.compile(r"[A-Za-z]+\$?(\d+)")


def _row_number(reference: str) -> int:
    if not (reference.isascii() and reference.isdigit()):
        raise damaged()
    return int(reference)


def _column_index(reference: str) -> int:
    """``"AB12"`` → 27: the column of a cell reference, counted from 0."""
    letters = reference.rstrip(_DIGITS)
    index = 0
    for letter in letters:
        if not "A" <= letter <= "Z":
            raise damaged()
        index = index * 26 + ord(letter) - 64
    if not 0 < index <= _MAX_COLUMNS:
        raise damaged()
    _COLUMN_INDEXES[letters] = index - 1
    return index - 1


def _unescaped(text: str) -> str:
    return _ESCAPED_CHARACTER.sub(lambda match: chr(int(match[1], 16)), text)


def _typed_text(text: str, kind: str):
    """A cell of a type other than number and shared string."""
    if kind == "b":
        return text.strip() in ("1", "true")
    if kind == "d":
        return _iso_datetime(text)
    # "inlineStr", "str" (a formula's text result, here without its formula), "e" (#N/A …)
    return text


def _touches_row_one(reference: str) -> bool:
    rows = [int(number) for number in _ROW_OF_REFERENCE.findall(reference.replace("$", ""))]
    return bool(rows) and min(rows) <= 1


def xml_events(
    archive: zipfile.ZipFile, part: str, tags, *, until: str | None = None
) -> Iterator[tuple[str, object]]:
    """(event, element) at the end of each element named ``tags`` in ``part``, streamed.

    The bytes are checked for a DTD before the parser sees them, and the
    first element's document once more, whatever its encoding. Reading stops
    at the end of the element named ``until`` (what follows is not needed),
    and is refused when more than ``_MAX_BETWEEN_EVENTS`` of XML pass without
    an event: the parser builds every element whole, the caller frees them.
    """
    tags = (tags,) if isinstance(tags, str) else tuple(tags)
    parser = etree.XMLPullParser(
        events=("end",),
        tag=tags + ((f"{{*}}{until}",) if until else ()),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        collect_ids=False,
    )
    checked = False
    overlap = b""
    since_event = 0
    with archive.open(part) as stream:
        while True:
            chunk = stream.read(_CHUNK)
            if chunk:
                _refuse_dtd(overlap + chunk[:_DTD_OVERLAP])
                _refuse_dtd(chunk)
                overlap = chunk[-_DTD_OVERLAP:]
                parser.feed(chunk)
                since_event += len(chunk)
            else:
                parser.close()
            for event, element in parser.read_events():
                since_event = 0
                if not checked:
                    _refuse_dtd_of(element)
                    checked = True
                if until and element.tag.rpartition("}")[2] == until:
                    return
                yield event, element
            if not chunk:
                return
            if since_event > _MAX_BETWEEN_EVENTS:
                raise too_large()


def _refuse_dtd(data: bytes) -> None:
    if any(marker in data for marker in _DTD_MARKERS):
        raise _entities_refused()


def _refuse_dtd_of(element) -> None:
    info = element.getroottree().docinfo
    if info.internalDTD is not None or info.doctype:
        raise _entities_refused()


def _entities_refused() -> FileRefused:
    return FileRefused(
        _(
            "This file declares XML entities (a DOCTYPE), which no workbook needs; "
            "it is refused for safety."
        )
    )


def _drop_earlier_siblings(element) -> None:
    """Free the elements already read (each was cleared, but its empty shell stays)."""
    parent = element.getparent()
    if parent is not None:
        del parent[: parent.index(element)]


def _relationship_id(element) -> str | None:
    for key, value in element.items():
        if key.endswith("}id"):
            return value
    return None


def _part_path(target: str) -> str:
    """A relationship's target as the part's name in the archive (targets are relative to xl/)."""
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join("xl", target))


def _int_or_none(text):
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


def _plain_number(text: str):
    """A number cell: an int when whole, else a Decimal of its digits; its text if no number."""
    try:
        if "." not in text and "E" not in text and "e" not in text:
            return int(text)
        number = Decimal(text)
    except (ValueError, InvalidOperation):
        return text
    if not number.is_finite():
        return text
    return int(number) if number == number.to_integral_value() else number


# A sheet repeats its dates (the same month's days, row after row): each distinct one
# is worked out once.
@lru_cache(maxsize=4096)
def _date_value(text: str, kind: str, date1904: bool):
    """A number with a date or time format as the date, datetime or time it shows.

    A number that is no day (or, for a time, a duration past a day) is handed on
    as a number, for the column's own check to reject with its message.
    """
    try:
        serial = Decimal(text)
        if kind == "time":
            if not 0 <= serial < 1:
                raise ValueError("not a time of day")
            return (_EPOCH_1904 + timedelta(seconds=round(serial * _SECONDS_PER_DAY))).time()
        moment = excel_datetime(serial, date1904=date1904)
    except (ValueError, ArithmeticError):
        return _plain_number(text)
    return moment.date() if kind == "date" else moment


def _iso_datetime(text: str):
    """A cell of type "d" (ISO 8601, written by Strict files and some tools)."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return text
    if moment.time() == time() and "T" not in text:
        return moment.date()
    return moment


class _SharedStrings:
    """The workbook's shared strings, held as UTF-8 bytes and end offsets.

    A Python string per item costs ~60 bytes besides its text; a sheet of
    100,000 rows can share a million of them.
    """

    def __init__(self):
        self._text = bytearray()
        self._ends = array("Q")

    def append(self, text: str) -> None:
        self._text += text.encode()
        self._ends.append(len(self._text))

    def at(self, position: str) -> str | None:
        """The string at ``position`` (a cell's text, "0" for the first), None if empty."""
        try:
            index = int(position)
            end = self._ends[index]
        except (ValueError, IndexError):
            raise damaged() from None
        if index < 0:
            raise damaged()
        return self._text[self._ends[index - 1] if index else 0 : end].decode() or None
