"""One fund-transaction import in a fresh process: the check, then the commit, timed, with memory.

    DATABASE_URL=… .venv/bin/python bench/import_probe.py USERNAME SHEET.csv

Run by bench/national_import.py for the import lines (issue 15: "100,000 fund
transactions validated and committed ≤ 3× a COPY …, memory flat"); prints
one JSON line. The engine runs as an import job runs it (``jobs._execute``):
``Run(FundTransactionViews, user).check(sheet)``, then ``commit(sheet)`` on
the file opened again, in the job's language (Chinese), the commit under the
audit context with source ``import``.

Memory: the kernel's VmHWM, reset (``/proc/self/clear_refs``) after Django is
set up and a ten-row check has warmed the process (imports, translations, the
connection, the form's querysets), and again between the check and the
commit; the resident size is also sampled at every batch, so the JSON shows
whether it grows with the rows read.

The summary refresh the commit asks for is left to the worker, as with a
broker: without Redis Celery would run it eagerly inside ``commit()``'s call
(on commit), and the line measures the import, not the refresh. Its requests
stay recorded in PostgreSQL, where a worker would find them.
"""

import io
import json
import logging
import os
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aidtrack.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import translation  # noqa: E402

from accounts.models import User  # noqa: E402
from aidtrack.core import tasks  # noqa: E402
from aidtrack.core.audit import audit_context  # noqa: E402
from aidtrack.core.imports.engine import Run  # noqa: E402
from aidtrack.core.imports.reading import open_sheet  # noqa: E402
from bench.export_probe import status_kib  # noqa: E402
from bench.national import Counter  # noqa: E402
from funds.views import FundTransactionViews  # noqa: E402

WARM_UP_ROWS = 10
# Errors copied into the JSON when a run finds any (the sheet should have none).
ERRORS_SHOWN = 5


def rss_mib() -> float:
    return status_kib("VmRSS") / 1024


def reset_peak() -> float:
    """Reset VmHWM to the current resident size; that size, in MiB."""
    Path("/proc/self/clear_refs").write_text("5")
    return rss_mib()


def leave_to_the_worker(task, **_options) -> None:
    """What a broker gets after the commit: the task is only named, not run here."""
    deferred.append(task.name)


deferred: list[str] = []


def measure(run_method, path: Path, *, commit: bool) -> dict:
    """One pass over the sheet: seconds, statements, the peak and the RSS at every batch."""
    before = reset_peak()
    samples = []

    def progress(_phase, done):
        samples.append([done, round(rss_mib() - before, 1)])

    counter = Counter()
    with (
        path.open("rb") as stored,
        open_sheet(stored, name=path.name) as sheet,
        connection.execute_wrapper(counter),
    ):
        started = time.perf_counter()
        outcome = run_method(sheet, progress)
        seconds = time.perf_counter() - started
    if not outcome.ok:
        shown = [error.as_dict() for error in outcome.errors[:ERRORS_SHOWN]]
        raise SystemExit(f"{'commit' if commit else 'check'}: {outcome.error_count} errors {shown}")
    return {
        "seconds": seconds,
        "queries": counter.n,
        "counts": outcome.counts,
        "rss_before_mib": before,
        "peak_rss_mib": status_kib("VmHWM") / 1024 - before,
        "rss_by_rows": samples,
    }


def warm_up(user, path: Path) -> None:
    """A check of the sheet's first rows: what every import loads once is not measured."""
    with path.open("rb") as stored:
        head = b"".join(stored.readline() for _ in range(WARM_UP_ROWS + 1))
    with open_sheet(io.BytesIO(head), name=path.name) as sheet:
        Run(FundTransactionViews, user).check(sheet)


def main() -> None:
    username, path = sys.argv[1], Path(sys.argv[2])
    settings.DEBUG = False
    logging.getLogger("aidtrack").setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", message="No directory at: .*staticfiles")
    tasks._queue = leave_to_the_worker
    user = User.objects.get(username=username)
    with translation.override(settings.LANGUAGE_CODE):
        warm_up(user, path)

        def check(sheet, progress):
            return Run(FundTransactionViews, user, progress=progress).check(sheet)

        def commit(sheet, progress):
            with audit_context(user, source="import", request_id="bench-import"):
                return Run(FundTransactionViews, user, progress=progress).commit(sheet)

        checked = measure(check, path, commit=False)
        committed = measure(commit, path, commit=True)
    print(json.dumps({"check": checked, "commit": committed, "deferred": deferred}))


if __name__ == "__main__":
    main()
