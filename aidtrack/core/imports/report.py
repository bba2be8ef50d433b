"""The error report of an import: the uploaded sheet again, each row's errors in a last column.

The coordinator fixes the rows where they are, deletes the column (or not:
the import ignores a column it does not know) and uploads the file again.
The sheet is read again from the stored file with the import's own reader,
so the rows and their numbers are the ones the errors name, and written as
it is read (``core.xlsx``): memory stays flat however long the sheet.
Values are written as values, never as formulas (a formula cell comes back
as its text). Pages and the API hand out the same bytes.
"""

from collections import defaultdict
from collections.abc import Iterator

from django.http import Http404, StreamingHttpResponse
from django.utils import translation
from django.utils.translation import gettext as _

from aidtrack.core.files import UPLOAD_KINDS, content_disposition
from aidtrack.core.imports.reading import Formula, open_sheet
from aidtrack.core.models import ImportJob
from aidtrack.core.xlsx import stream_workbook

XLSX_CONTENT_TYPE = UPLOAD_KINDS["xlsx"].content_type


def row_messages(job: ImportJob) -> dict[int, str]:
    """Row number → "column: message; …" of every error the job kept."""
    by_row = defaultdict(list)
    for error in job.errors:
        by_row[error["row"]].append(f"{error['column']}: {error['message']}")
    return {row: "; ".join(messages) for row, messages in by_row.items()}


def error_report(job: ImportJob) -> Iterator[bytes]:
    """The .xlsx bytes of the report, piece by piece (for a streaming response)."""
    # Streamed after the view returned: in the job's language, as its messages are.
    with translation.override(job.language):
        messages = row_messages(job)
        with job.file.open("rb") as stored, open_sheet(stored, name=job.file_name) as sheet:
            header = [*sheet.header, _("Errors")]

            def rows():
                # The reader fits each row to the header, so the errors land in one column.
                for number, cells in sheet.rows():
                    yield [*map(_value, cells), messages.get(number)]

            yield from stream_workbook(_("Errors"), header, rows())


def _value(cell):
    """A cell as written back: a formula as its text (a string cell, never evaluated)."""
    return cell.text if isinstance(cell, Formula) else cell


def report_name(job: ImportJob) -> str:
    """The report's file name: the uploaded one's, marked as the errors."""
    stem = job.file_name.rsplit(".", 1)[0] if "." in job.file_name else job.file_name
    with translation.override(job.language):
        return _("%(name)s (errors).xlsx") % {"name": stem}


def report_response(job: ImportJob) -> StreamingHttpResponse:
    """The report as a download, for the page and the API alike; a job without errors has none."""
    if not job.errors:
        raise Http404
    response = StreamingHttpResponse(error_report(job), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition(report_name(job))
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private"
    return response
