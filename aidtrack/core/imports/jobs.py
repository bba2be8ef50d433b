"""Import jobs: upload, check in the background, confirm or cancel, commit all or nothing.

The same functions serve the pages and the API:

* ``job_start`` refuses a user who may not write the model (or has no
  pairing to write in), stores the file and queues the check;
* ``job_check`` (task ``core.tasks.import_check``) runs the dry run and
  records counts, errors and changes on the job;
* ``job_confirm`` queues the commit of a checked job; ``job_commit`` (task
  ``core.tasks.import_commit``) runs the sheet again for real, all rows or
  none, under an audit context with source ``import``;
* ``job_cancel`` stops a job before its commit.

A running job holds a session advisory lock on its id, so the
minutely sweep (``core.tasks.imports_resume``) runs exactly the queued jobs
nobody runs: a job queued while Redis was down, or whose worker died (its
transaction rolled back with it), is taken up again; nothing is lost.
Progress (rows read so far) lives in the cache, so a reload of the page or
a poll of the API shows it while the job's own row stays untouched until
the end.
"""

import contextlib
import logging
import time
from contextlib import contextmanager

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from aidtrack.core import scoping
from aidtrack.core.audit import audit_context
from aidtrack.core.imports.engine import Cancelled, Run
from aidtrack.core.imports.reading import FileRefused, open_sheet
from aidtrack.core.imports.spec import importables
from aidtrack.core.models import ImportJob
from aidtrack.core.tasks import run_after_commit

logger = logging.getLogger("aidtrack.imports")

_LOCK_NAMESPACE = 0x49_4D  # "IM"
_PROGRESS_KEY = "imports:progress:%s"
_PROGRESS_SECONDS = 24 * 3600

Status = ImportJob.Status


def views_for(model_key: str):
    """The ObjectViews of an importable model, or a ValidationError naming the choices."""
    views = importables().get(model_key)
    if views is None:
        raise ValidationError(
            {"model": _("Choose one of the record types that can be imported.")}, code="invalid"
        )
    return views


def may_import(user, views) -> bool:
    """Whether ``user`` may bring records of this model in at all (adding them, in some pairing)."""
    model = views.model
    return user.may(scoping.ADD, model) and not scoping.writes_nowhere(user, model, scoping.ADD)


def job_start(*, user, model_key: str, uploaded) -> ImportJob:
    """Store the upload as a job and queue its check."""
    views = views_for(model_key)
    if not may_import(user, views):
        raise PermissionDenied(_("You may not import these records."))
    job = ImportJob(
        model=model_key,
        file_name=uploaded.name[:200],
        language=translation.get_language() or "zh-hans",
        created_by=user,
    )
    job.file.save(uploaded.name, uploaded, save=False)
    job.save()
    _queue("check", job)
    return job


def job_confirm(job: ImportJob, *, user) -> ImportJob:
    """Queue the commit of a checked job."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if not job.can_commit:
            raise ValidationError(_("Only a checked import without errors can be committed."))
        job.status = Status.COMMITTING
        job.save(update_fields=["status"])
        _queue("commit", job)
    return job


def job_cancel(job: ImportJob, *, user) -> ImportJob:
    """Stop a job before its commit (a running check stops at its next batch)."""
    updated = ImportJob.objects.filter(
        pk=job.pk, status__in=(Status.QUEUED, Status.CHECKING, Status.CHECKED)
    ).update(cancel_requested=True)
    if not updated:
        raise ValidationError(_("This import can no longer be cancelled."))
    ImportJob.objects.filter(pk=job.pk, status__in=(Status.QUEUED, Status.CHECKED)).update(
        status=Status.CANCELLED
    )
    job.refresh_from_db()
    return job


def progress_of(job: ImportJob) -> dict:
    """``{"phase", "rows"}`` of a running job (empty when unknown: the cache was down)."""
    try:
        return cache.get(_PROGRESS_KEY % job.pk) or {}
    except Exception:  # the cache ignores its errors in production; a test cache may not
        return {}


def _queue(step: str, job: ImportJob) -> None:
    from aidtrack.core import tasks

    task = tasks.import_check if step == "check" else tasks.import_commit
    run_after_commit(task.si(job.pk))


# -- running ------------------------------------------------------------------------


@contextmanager
def _running(job_id: int, expected: tuple[str, ...]):
    """The job, held for this run (None if another run holds it or it is not ``expected``).

    The lock is the session's, not a transaction's, so the job's status moves
    (checking, committed) are seen by its page while the run's own
    transaction is open; a worker that dies takes its session, and the lock,
    with it.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [_LOCK_NAMESPACE, job_id])
        taken = cursor.fetchone()[0]
    if not taken:
        yield None
        return
    try:
        yield ImportJob.objects.filter(pk=job_id, status__in=expected).first()
    finally:
        with contextlib.suppress(DatabaseError), connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [_LOCK_NAMESPACE, job_id])


def _report(job_id: int, phase: str):
    def progress(step: str, rows: int) -> None:
        try:
            cache.set(_PROGRESS_KEY % job_id, {"phase": phase, "rows": rows}, _PROGRESS_SECONDS)
        except Exception:
            logger.warning("import %s: progress not recorded", job_id, exc_info=True)

    return progress


def _cancel_requested(job_id: int):
    return lambda: ImportJob.objects.filter(pk=job_id, cancel_requested=True).exists()


def job_check(job_id: int) -> None:
    """The dry run of a queued job; idempotent (a job already checked is left alone)."""
    with _running(job_id, (Status.QUEUED, Status.CHECKING)) as job:
        if job is None:
            return
        ImportJob.objects.filter(pk=job.pk).update(status=Status.CHECKING)
        _execute(job, commit=False)


def job_commit(job_id: int) -> None:
    """The commit of a confirmed job: all rows or none."""
    with _running(job_id, (Status.COMMITTING,)) as job:
        if job is None:
            return
        _execute(job, commit=True)


def _execute(job: ImportJob, *, commit: bool) -> None:
    views = views_for(job.model)
    user = job.created_by
    started = time.monotonic()
    run = Run(
        views,
        user,
        progress=_report(job.pk, "commit" if commit else "check"),
        cancelled=(lambda: False) if commit else _cancel_requested(job.pk),
    )
    try:
        with (
            translation.override(job.language),
            job.file.open("rb") as stored,
            open_sheet(stored, name=job.file_name) as sheet,
        ):
            if commit:
                with audit_context(user, source="import", request_id=job.request_id):
                    outcome = run.commit(sheet)
            else:
                outcome = run.check(sheet)
    except Cancelled:
        _finish(job, status=Status.CANCELLED)
        return
    except FileRefused as refused:
        _finish(job, status=Status.REFUSED, message=refused.message)
        return
    except DatabaseError:
        raise  # the task is retried; the job stays queued for the sweep
    except Exception:
        # A fault of ours: the job says so instead of being run again every minute.
        logger.exception("import %s stopped on an unexpected error", job.pk)
        _finish(
            job,
            status=Status.FAILED,
            message=_("The import stopped on an unexpected error; nothing was written."),
        )
        return
    seconds = round(time.monotonic() - started, 3)
    now = timezone.now()
    if commit:
        status = Status.COMMITTED if outcome.ok else Status.FAILED
        timing = {"committed_at": now, "commit_seconds": seconds}
    else:
        status = Status.CHECKED if outcome.ok else Status.INVALID
        timing = {"checked_at": now, "check_seconds": seconds}
    _finish(
        job,
        status=status,
        rows=outcome.rows,
        counts=outcome.counts,
        errors=[error.as_dict() for error in outcome.errors],
        error_count=outcome.error_count,
        changes=outcome.changes,
        companion_counts=outcome.companion_counts,
        ignored_columns=outcome.ignored_columns,
        **timing,
    )


def _finish(job: ImportJob, **fields) -> None:
    ImportJob.objects.filter(pk=job.pk).update(**fields)
    try:
        cache.delete(_PROGRESS_KEY % job.pk)
    except Exception:
        logger.warning("import %s: progress not cleared", job.pk, exc_info=True)


def jobs_resume() -> int:
    """Run every job that waits and that nobody runs (the sweep); the number run."""
    waiting = list(
        ImportJob.objects.filter(
            status__in=(Status.QUEUED, Status.CHECKING, Status.COMMITTING)
        ).values_list("pk", "status")
    )
    for job_id, status in waiting:
        if status == Status.COMMITTING:
            job_commit(job_id)
        else:
            job_check(job_id)
    return len(waiting)
