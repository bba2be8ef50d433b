"""What reading an uploaded sheet hands on, whichever kind of file it came from.

An .xlsx and a .csv are read by different readers (``xlsx_sheet``, ``csv_sheet``);
both give numbered rows of cell values to ``Sheet``, which holds the rules
every sheet shares: row 1 is the header, its names are unique, blank rows do
not count, the rows stop at the limit. ``reading.open_sheet`` picks the reader.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from django.utils.translation import gettext as _


class FileRefused(Exception):
    """The file cannot be imported; ``message`` says why, in the user's language."""

    def __init__(self, message):
        super().__init__(message)
        self.message = str(message)


@dataclass(frozen=True)
class Formula:
    """A cell holding a formula. It is read, never evaluated: its value is not known."""

    text: str  # as Excel shows it in the formula bar: "=SUM(A1:A3)"


# A reader's rows: (row number as Excel shows it, the cell values from column A on).
RawRows = Iterator[tuple[int, list]]


def not_a(extension: str) -> FileRefused:
    """The content is not what the name says (the message core.files gives uploads)."""
    return FileRefused(
        _("The content of this file is not a %(extension)s file.") % {"extension": extension}
    )


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def header_text(value) -> str:
    """A header cell as the text it shows (a year typed as a number is still a name)."""
    if is_blank(value):
        return ""
    if isinstance(value, Formula):
        return value.text
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value).strip()


class Sheet:
    """One sheet's header and its data rows, read once, front to back.

    Built by ``reading.open_sheet``: by the time one exists the header has
    been checked and a first data row seen, so a sheet with nothing to import
    was refused there. ``rows()`` streams the rest and raises ``FileRefused``
    when the file turns out damaged, or at the row after ``max_rows`` (the
    rows before it have been handed on by then; nothing is written from a
    refused file, so that is harmless, and the file is never counted twice).

    ``close()`` releases what reading holds (the archive, its streams); the
    uploaded file object itself stays the caller's.
    """

    def __init__(self, raw_rows: RawRows, *, max_rows: int, close: Callable[[], None]):
        self._raw_rows = raw_rows
        self._close = close
        self._max_rows = max_rows
        self.header = self._read_header()
        self._first_row = self._next_data_row()
        if self._first_row is None:
            raise FileRefused(_("The sheet has a header but no rows to import."))
        self._reading = False

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def close(self) -> None:
        # The reader first (it holds a part of the archive open), then the archive.
        close_reader = getattr(self._raw_rows, "close", None)
        if close_reader:
            close_reader()
        self._close()

    def rows(self) -> Iterator[tuple[int, list]]:
        """(row number as Excel shows it, values fitted to the header), blank rows left out."""
        if self._reading:
            raise RuntimeError("A sheet's rows are read once; open the file again to re-read.")
        self._reading = True
        return self._data_rows()

    def _data_rows(self) -> Iterator[tuple[int, list]]:
        row = self._first_row
        count = 0
        while row is not None:
            count += 1
            if count > self._max_rows:
                raise FileRefused(
                    _(
                        "The sheet has more than %(limit)s rows; split it into files "
                        "of at most %(limit)s rows each."
                    )
                    % {"limit": self._max_rows}
                )
            yield row
            row = self._next_data_row()

    def _read_header(self) -> list[str]:
        first = next(self._raw_rows, None)
        if first is None:
            raise FileRefused(_("The sheet is empty."))
        number, values = first
        if number != 1 or all(is_blank(value) for value in values):
            raise FileRefused(
                _("Row 1 must hold the column names (the header); it is empty in this sheet.")
            )
        header = [header_text(value) for value in values]
        while header and not header[-1]:
            header.pop()
        seen = set()
        for name in header:
            if name and name in seen:
                raise FileRefused(
                    _(
                        "The column “%(name)s” appears twice in the header; "
                        "each name must be unique."
                    )
                    % {"name": name}
                )
            seen.add(name)
        return header

    def _next_data_row(self) -> tuple[int, list] | None:
        width = len(self.header)
        for number, values in self._raw_rows:
            if len(values) > width:
                # Cells right of the header have no column to go to.
                del values[width:]
            if all(is_blank(value) for value in values):
                continue
            if len(values) < width:
                values.extend([None] * (width - len(values)))
            return number, values
        return None
