"""Opening an uploaded sheet safely: ``open_sheet`` → a ``Sheet`` of a header and rows.

Only .xlsx and .csv are read. The content decides what a file is, and it must
agree with the name's extension (core.files holds the signatures): a PDF
named .xlsx, an .xls renamed, a workbook named .csv are refused, each with a
message that says what to do. The size is checked before a byte is read.
What follows is the readers' (``xlsx_sheet`` for .xlsx, ``csv_sheet`` for
.csv) and the rules every sheet shares (``sheet``).

Every refusal is a ``FileRefused`` whose ``message`` is in the user's
language; nothing a file holds is evaluated, and memory stays bounded
whatever it holds.
"""

import os

from django.conf import settings
from django.utils.translation import gettext as _

from aidtrack.core.files import BINARY_SIGNATURES, OLE2_SIGNATURE, ZIP_SIGNATURE, extension_of
from aidtrack.core.imports.csv_sheet import open_csv_sheet
from aidtrack.core.imports.sheet import FileRefused, Formula, Sheet, not_a
from aidtrack.core.imports.xlsx_sheet import macros_refused, open_xlsx_sheet

__all__ = ["EXTENSIONS", "FileRefused", "Formula", "Sheet", "open_sheet", "refuse_by_extension"]

# What an import reads, by the name's extension (the upload form offers the same).
EXTENSIONS = ("xlsx", "csv")

# The first bytes read to tell a file's kind.
_HEAD_BYTES = 8 * 1024
_MACRO_EXTENSIONS = ("xlsm", "xltm", "xlam")


def open_sheet(
    uploaded, *, name: str, max_bytes: int | None = None, max_rows: int | None = None
) -> Sheet:
    """The first worksheet of an .xlsx (the first visible one), or a CSV, as a ``Sheet``.

    ``uploaded`` is a binary file object (a Django ``UploadedFile``, an open
    file), left open for its owner; ``name`` is the name the user gave it.
    The limits default to the settings ``IMPORT_MAX_BYTES`` and
    ``IMPORT_MAX_ROWS``. Raise ``FileRefused`` for a file that cannot be
    imported; ``Sheet.rows()`` may raise it too, for damage found further in
    or a row past ``max_rows``.
    """
    max_bytes = settings.IMPORT_MAX_BYTES if max_bytes is None else max_bytes
    max_rows = settings.IMPORT_MAX_ROWS if max_rows is None else max_rows
    extension = extension_of(name)
    refuse_by_extension(extension)
    uploaded.seek(0, os.SEEK_END)
    size = uploaded.tell()
    if size > max_bytes:
        raise FileRefused(
            _("The file is larger than %(size)s MB, the most an import accepts.")
            % {"size": f"{max_bytes / (1024 * 1024):g}"}
        )
    uploaded.seek(0)
    head = uploaded.read(_HEAD_BYTES)
    uploaded.seek(0)
    if extension == "xlsx":
        raw_rows, close = _open_xlsx(uploaded, head, size=size, max_bytes=max_bytes)
    else:
        if head.startswith(BINARY_SIGNATURES):
            raise not_a("CSV")
        raw_rows, close = open_csv_sheet(uploaded), _nothing_to_close
    try:
        return Sheet(raw_rows, max_rows=max_rows, close=close)
    except BaseException:
        raw_rows.close()
        close()
        raise


def refuse_by_extension(extension: str) -> None:
    """Refuse a name no import reads, saying what to do (the upload form asks first)."""
    if extension == "xls":
        raise FileRefused(
            _(
                "Excel 97–2003 workbooks (.xls) cannot be imported; open the file in Excel "
                "and save it as an Excel Workbook (.xlsx)."
            )
        )
    if extension in _MACRO_EXTENSIONS:
        raise macros_refused()
    if extension not in EXTENSIONS:
        raise FileRefused(
            _("Files of type “%(extension)s” cannot be imported; use .xlsx or .csv.")
            % {"extension": extension or "?"}
        )


def _open_xlsx(uploaded, head: bytes, *, size: int, max_bytes: int):
    if head.startswith(OLE2_SIGNATURE):
        # What Excel saves as .xls, and also what it makes of an .xlsx given a password.
        raise FileRefused(
            _(
                "This file is an Excel 97–2003 workbook or a password-protected one; save it "
                "as an Excel Workbook (.xlsx) without a password."
            )
        )
    if not head.startswith(ZIP_SIGNATURE):
        raise not_a("XLSX")
    return open_xlsx_sheet(uploaded, size=size, max_bytes=max_bytes)


def _nothing_to_close() -> None:
    """A CSV is read straight from the upload, which stays its owner's to close."""
