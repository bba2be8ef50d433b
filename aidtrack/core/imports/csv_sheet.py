"""Reading an uploaded CSV: UTF-8 (with or without its BOM) or GB18030, decoded as it streams.

Chinese Excel saves "CSV" in the system's code page, GBK, of which GB18030 is
the superset; "CSV UTF-8" it saves with a byte-order mark; other tools write
UTF-8 without one. A file that is valid UTF-8 is read as UTF-8: GBK text of
any length is almost never valid UTF-8, while UTF-8 text is often valid
GB18030 (as the wrong characters), so the order matters. Deciding means
decoding the whole file once, into nothing (the upload limit bounds it);
the rows are then decoded again as they are read.

A CSV holds text only: every cell is a string, or None when empty. A cell
written ``=SUM(A1:A3)`` stays that text (the import treats text starting with
``=`` as text, never as a formula).
"""

import codecs
import csv
from collections.abc import Iterator

from django.utils.translation import gettext as _

from aidtrack.core.imports.sheet import FileRefused, RawRows, not_a

_CHUNK = 64 * 1024
_UTF8_BOM = codecs.BOM_UTF8
# Tab and semicolon are taken when the header line uses them more than commas
# (Excel in some locales saves ";"; "Unicode text" and pasted data use tabs).
_DELIMITERS = (",", "\t", ";")
# The longest row read, in characters: a real one is a few thousand; a file of
# one endless row would otherwise become one enormous list of cells.
_MAX_ROW_CHARACTERS = 1024 * 1024


class _RowTooLong(Exception):
    pass


def open_csv_sheet(file) -> RawRows:
    """The rows of a CSV file, numbered as Excel numbers them when it opens the file."""
    encoding = _encoding_of(file)
    file.seek(0)
    lines = _lines(file, encoding)
    try:
        first = next(lines, "")
    except _RowTooLong:
        raise _unreadable(1) from None
    delimiter = _delimiter_of(first)
    return _records(_chained(first, lines), delimiter)


def _encoding_of(file) -> str:
    file.seek(0)
    encoding = "utf-8-sig" if file.read(len(_UTF8_BOM)) == _UTF8_BOM else "utf-8"
    if _decodes(file, encoding):
        return encoding
    if encoding == "utf-8" and _decodes(file, "gb18030"):
        return "gb18030"
    raise FileRefused(
        _(
            "The CSV file is neither UTF-8 nor GB18030 (GBK) text; "
            "save it from Excel as “CSV UTF-8”."
        )
    )


def _decodes(file, encoding: str) -> bool:
    """Whether the whole file is text in ``encoding``; refuse a file holding NUL bytes (binary)."""
    file.seek(0)
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        while chunk := file.read(_CHUNK):
            if b"\x00" in chunk:
                raise not_a("CSV")
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _lines(file, encoding: str) -> Iterator[str]:
    """The file's lines, each with its line end, decoded a chunk at a time.

    Lines end with "\n" ("\r\n" keeps its "\r"), or with "\r" alone in a
    file that has no "\n" (Excel's "CSV (Macintosh)"). The csv module wants
    the ends kept; a line break inside a quoted cell is the cell's.
    """
    decoder = codecs.getincrementaldecoder(encoding)()
    separator = None
    rest = ""
    while chunk := file.read(_CHUNK):
        rest += decoder.decode(chunk)
        if separator is None:
            if not rest:
                continue
            separator = "\r" if "\r" in rest and "\n" not in rest else "\n"
        lines = rest.split(separator)
        rest = lines.pop()
        if len(rest) > _MAX_ROW_CHARACTERS:
            raise _RowTooLong
        for line in lines:
            yield line + separator
    rest += decoder.decode(b"", final=True)
    if rest:
        yield rest


def _chained(first: str, lines: Iterator[str]) -> Iterator[str]:
    if first:
        yield first
    yield from lines


def _delimiter_of(header_line: str) -> str:
    counts = {delimiter: header_line.count(delimiter) for delimiter in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda delimiter: counts[delimiter])
    return best if counts[best] > counts[","] else ","


class _RowLines:
    """The lines handed to the csv module, refusing a row that runs past the limit.

    A quoted cell may hold line breaks, so one row may take many lines; the
    count starts again at each row (``next_row``).
    """

    def __init__(self, lines: Iterator[str]):
        self._lines = lines
        self._characters = 0

    def __iter__(self):
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self._characters += len(line)
        if self._characters > _MAX_ROW_CHARACTERS:
            raise _RowTooLong
        return line

    def next_row(self) -> None:
        self._characters = 0


def _records(lines: Iterator[str], delimiter: str) -> RawRows:
    row_lines = _RowLines(lines)
    reader = csv.reader(row_lines, delimiter=delimiter, strict=True)
    number = 0
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except (csv.Error, _RowTooLong) as error:
            raise _unreadable(number + 1) from error
        row_lines.next_row()
        number += 1
        yield number, [value if value else None for value in record]


def _unreadable(row: int) -> FileRefused:
    return FileRefused(
        _(
            "Row %(row)s of the CSV file cannot be read (a quote that is never "
            "closed, or a cell that is too long)."
        )
        % {"row": row}
    )
