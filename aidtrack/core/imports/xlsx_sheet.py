"""Reading the first worksheet of an uploaded .xlsx: streamed, bounded, never evaluated.

An .xlsx is a zip of XML parts; openpyxl reads it into an object per cell and
trusts the archive. An upload is a stranger's file, so this reader is our own,
on top of ``archive`` (the zip and XML bounds: bombs, DTDs, endless elements):

- The first *visible* worksheet in workbook order is read (hidden sheets hold
  drop-down lists and the like; a chart sheet holds no rows).
- Macros refuse the file: a ``vbaProject.bin`` part or a macro-enabled type.
- **The sheet is streamed** row by row, each row freed once read, so memory
  stays flat whatever the row count. Only the shared strings are held (every
  row may point at any of them), compactly, and their part is bounded by
  ``_SHARED_TEXT``.
- **Merged header cells** are listed after the rows (``<mergeCells>`` follows
  ``<sheetData>``), so the sheet is first scanned as bytes for them: inflating
  a part costs a fraction of parsing it.

Values: text, ``int`` (an integral number), ``Decimal`` (from the XML's own
digits, never through a float), ``bool``, ``date``/``datetime``/``time`` for
numbers with a date or time format (``excel_values``), ``Formula`` for a cell
holding one.
"""

import posixpath
import re
import zipfile
from array import array
from collections.abc import Callable, Iterator

from django.utils.translation import gettext as _
from lxml import etree

from aidtrack.core.imports.archive import (
    MAX_PARTS,
    damage_refused,
    damaged,
    drop_earlier_siblings,
    open_archive,
    too_large,
    xml_events,
)
from aidtrack.core.imports.excel_values import (
    BUILTIN_DATE_FORMATS,
    date_value,
    format_kind,
    iso_datetime,
    plain_number,
    unescaped,
)
from aidtrack.core.imports.sheet import FileRefused, Formula, RawRows, not_a

# The shared strings are held in memory, so their part is bounded more tightly
# than the archive's (a multiple of the upload limit).
_SHARED_TEXT = 5
# What is remembered from styles and formulas, at most (Excel allows 64,000 styles).
_MAX_STYLES = 100_000
_MAX_SHARED_FORMULAS = 10_000
# What is read in one pass over a sheet's bytes, looking for merged cells.
_SCAN_CHUNK = 1024 * 1024
# Cell reference letters → column index, filled as met (at most Excel's 16,384 columns).
_COLUMN_INDEXES: dict[str, int] = {}
_MAX_COLUMNS = 16_384
_DIGITS = "0123456789"

_MAIN_NAMESPACES = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",  # "Strict Open XML"
)
_WORKBOOK = "xl/workbook.xml"
_WORKBOOK_RELATIONSHIPS = "xl/_rels/workbook.xml.rels"
_CONTENT_TYPES = "[Content_Types].xml"
# What makes a zip an .xlsx.
REQUIRED_PARTS = (_CONTENT_TYPES, _WORKBOOK)


def macros_refused() -> FileRefused:
    return FileRefused(
        _(
            "This workbook contains macros, which are never imported; save it as an "
            "Excel Workbook (.xlsx) without macros."
        )
    )


def open_xlsx_sheet(file, *, size: int, max_bytes: int) -> tuple[RawRows, Callable[[], None]]:
    """The rows of the first visible worksheet, and the function that closes the archive.

    ``file`` starts with a zip's signature; ``size`` is its length in bytes.
    """
    archive = open_archive(file, size=size, max_bytes=max_bytes)
    try:
        with damage_refused():
            reader = _WorkbookReader(archive, max_bytes=max_bytes)
            return reader.rows(), archive.close
    except BaseException:
        archive.close()
        raise


class _WorkbookReader:
    """The parts of one workbook that reading its first visible sheet needs."""

    def __init__(self, archive: zipfile.ZipFile, *, max_bytes: int):
        self.archive = archive
        self._check_parts()
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

    def _check_parts(self) -> None:
        names = set(self.archive.namelist())
        if not all(part in names for part in REQUIRED_PARTS):
            raise not_a("XLSX")

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
                drop_earlier_siblings(element)

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
                if len(sheet_ids) == MAX_PARTS:
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
        formats = dict(BUILTIN_DATE_FORMATS)
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
                drop_earlier_siblings(item)

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
        return unescaped(text)

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
                drop_earlier_siblings(row)

    def _number(self, text: str, style: str | None):
        date_kind = self.date_styles.get(style) if style else None
        if date_kind is not None:
            return date_value(text, date_kind, self.date1904)
        return plain_number(text)

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


def _touches_row_one(reference: str) -> bool:
    rows = [int(number) for number in _ROW_OF_REFERENCE.findall(reference.replace("$", ""))]
    return bool(rows) and min(rows) <= 1


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


def _typed_text(text: str, kind: str):
    """A cell of a type other than number and shared string."""
    if kind == "b":
        return text.strip() in ("1", "true")
    if kind == "d":
        return iso_datetime(text)
    # "inlineStr", "str" (a formula's text result, here without its formula), "e" (#N/A …)
    return text


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
