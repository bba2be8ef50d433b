"""Writes on projects, outcome reports and needs that are more than a form save.

Every status change happens here, on a row locked for the transaction, so
the page, the API and tasks apply the same preconditions and two people
acting at once cannot interleave. A refused change raises
``TransitionNotAllowed`` (the API answers 409) and changes nothing.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aidtrack.core import scoping
from pairings.models import Pairing
from projects.choices import NeedStatus, ProjectStatus, ReportStatus, ReviewAction
from projects.models import (
    Need,
    OutcomeReport,
    OutcomeReportReview,
    ProgressUpdate,
    Project,
    ProjectAttachment,
)


class TransitionNotAllowed(ValidationError):
    """A state change its preconditions refuse: wrong status, missing date, no authority."""


def _today() -> date:
    return timezone.localdate()


# -- projects ------------------------------------------------------------------


def project_code_next(*, pairing: Pairing, year: int) -> str:
    """The next free code ``<helped region code>-<year>-<seq>``, e.g. ``520200-2023-007``.

    Must run inside the transaction that saves the project: the advisory lock
    on the prefix is held until it commits, so two projects created at once
    for the same helped region and year wait for each other instead of
    taking the same number.
    """
    prefix = f"{pairing.helped_region.code}-{year}-"
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"project-code:{prefix}"])
    taken = Project.objects.filter(code__startswith=prefix).values_list("code", flat=True)
    highest = max(
        (int(code[len(prefix) :]) for code in taken if code[len(prefix) :].isdigit()), default=0
    )
    return f"{prefix}{highest + 1:03d}"


@transaction.atomic
def project_save(*, project: Project) -> Project:
    """Create or change a project's details (not its status); codes are generated if empty."""
    if not project.code and project.pairing_id and project.year:
        project.code = project_code_next(pairing=project.pairing, year=project.year)
    project.full_clean()
    project.save()
    return project


def _locked_project(project: Project) -> Project:
    return Project.objects.select_for_update().get(pk=project.pk)


def _require_project_status(project: Project, *allowed: str) -> None:
    if project.status not in allowed:
        raise TransitionNotAllowed(
            _("Not possible while the project is “%(status)s”.")
            % {"status": project.get_status_display()}
        )


def _not_future(day: date, what: str) -> None:
    if day > _today():
        raise TransitionNotAllowed(_("The %(what)s cannot be in the future.") % {"what": what})


@transaction.atomic
def project_approve(*, project: Project) -> Project:
    """Planned → approved (立项): the budget and the planned dates must be known."""
    project = _locked_project(project)
    _require_project_status(project, ProjectStatus.PLANNED)
    missing = []
    if not project.budget:
        missing.append(_("a budget"))
    if not (project.planned_start_date and project.planned_end_date):
        missing.append(_("planned start and end dates"))
    if missing:
        raise TransitionNotAllowed(
            _("A project is approved only with %(missing)s.")
            % {"missing": _(" and ").join(missing)}
        )
    project.status = ProjectStatus.APPROVED
    project.save(update_fields=["status", "updated_at"])
    return project


@transaction.atomic
def project_start(*, project: Project, on: date | None = None) -> Project:
    """Approved → in progress, from the actual start date."""
    project = _locked_project(project)
    _require_project_status(project, ProjectStatus.APPROVED)
    on = on or project.actual_start_date
    if on is None:
        raise TransitionNotAllowed(_("A project is started only with its actual start date."))
    _not_future(on, _("actual start"))
    project.actual_start_date = on
    project.status = ProjectStatus.IN_PROGRESS
    project.full_clean()
    project.save()
    return project


@transaction.atomic
def project_complete(*, project: Project, on: date | None = None) -> Project:
    """In progress → completed (完工), on the actual end date; progress reaches 100%."""
    project = _locked_project(project)
    _require_project_status(project, ProjectStatus.IN_PROGRESS)
    on = on or project.actual_end_date
    if on is None:
        raise TransitionNotAllowed(_("A project is completed only with its actual end date."))
    _not_future(on, _("actual end"))
    if project.actual_start_date and on < project.actual_start_date:
        raise TransitionNotAllowed(
            _("The actual end cannot be before the actual start (%(start)s).")
            % {"start": project.actual_start_date}
        )
    latest = project.progress_updates.order_by("-date").first()
    if latest is not None and latest.date > on:
        raise TransitionNotAllowed(
            _("Progress was recorded after %(end)s (on %(date)s); check the end date.")
            % {"end": on, "date": latest.date}
        )
    project.actual_end_date = on
    project.status = ProjectStatus.COMPLETED
    project.full_clean()
    project.save()
    if latest is None or latest.percent < 100:
        ProgressUpdate.objects.update_or_create(
            project=project, date=on, defaults={"percent": 100, "note": _("Completed.")}
        )
    return project


@transaction.atomic
def project_accept(*, project: Project, on: date) -> Project:
    """Completed → accepted (验收), on the acceptance date."""
    project = _locked_project(project)
    _require_project_status(project, ProjectStatus.COMPLETED)
    _not_future(on, _("acceptance date"))
    if on < project.actual_end_date:
        raise TransitionNotAllowed(
            _("Acceptance cannot come before completion (%(end)s).")
            % {"end": project.actual_end_date}
        )
    project.accepted_on = on
    project.status = ProjectStatus.ACCEPTED
    project.save(update_fields=["accepted_on", "status", "updated_at"])
    return project


@transaction.atomic
def project_cancel(*, project: Project, reason: str, on: date | None = None) -> Project:
    """Any state before completion → cancelled (终止), with the reason."""
    project = _locked_project(project)
    _require_project_status(
        project, ProjectStatus.PLANNED, ProjectStatus.APPROVED, ProjectStatus.IN_PROGRESS
    )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the project is cancelled.")})
    project.cancelled_on = on or _today()
    project.cancellation_reason = reason[:300]
    project.status = ProjectStatus.CANCELLED
    project.save(update_fields=["cancelled_on", "cancellation_reason", "status", "updated_at"])
    return project


# -- progress ------------------------------------------------------------------


@transaction.atomic
def progress_save(*, update: ProgressUpdate, files=()) -> ProgressUpdate:
    """Record (or correct) a progress update, with photos or documents.

    The project row is locked first, so the "never goes back" check sees
    every other update of the project.
    """
    project = _locked_project(update.project)
    if update.pk is None:
        _require_project_status(project, ProjectStatus.IN_PROGRESS)
    update.project = project
    update.full_clean()
    update.save()
    for upload in files:
        attachment = ProjectAttachment(project=project, progress_update=update, file=upload)
        attachment.full_clean()
        attachment.save()
    return update


# -- outcome reports -------------------------------------------------------------


def _locked_report(report: OutcomeReport) -> OutcomeReport:
    return OutcomeReport.objects.select_for_update().get(pk=report.pk)


def _require_report_status(report: OutcomeReport, *allowed: str) -> None:
    if report.status not in allowed:
        raise TransitionNotAllowed(
            _("Not possible while the report is “%(status)s”.")
            % {"status": report.get_status_display()}
        )


def _log(report: OutcomeReport, action: str, user, comment: str = "") -> None:
    OutcomeReportReview.objects.create(report=report, action=action, user=user, comment=comment)


def _require_reviewer(report: OutcomeReport, user) -> None:
    """Four eyes: whoever submitted a report does not approve or return it (administrators may)."""
    if not user.may(scoping.CHANGE, OutcomeReport):
        raise TransitionNotAllowed(_("You may not review outcome reports."))
    if report.submitted_by_id == user.pk and not user.is_administrator:
        raise TransitionNotAllowed(_("A report is reviewed by someone other than its submitter."))


@transaction.atomic
def report_submit(*, report: OutcomeReport, user) -> OutcomeReport:
    """Draft or returned → submitted for review; the values are checked again."""
    report = _locked_report(report)
    _require_report_status(report, ReportStatus.DRAFT, ReportStatus.RETURNED)
    report.full_clean()
    report.status = ReportStatus.SUBMITTED
    report.submitted_at = timezone.now()
    report.submitted_by = user
    report.save()
    _log(report, ReviewAction.SUBMIT, user)
    return report


@transaction.atomic
def report_approve(*, report: OutcomeReport, user, comment: str = "") -> OutcomeReport:
    """Submitted → approved: from now on the value counts, and the report is locked."""
    report = _locked_report(report)
    _require_report_status(report, ReportStatus.SUBMITTED)
    _require_reviewer(report, user)
    report.status = ReportStatus.APPROVED
    report.reviewed_at = timezone.now()
    report.reviewed_by = user
    report.review_comment = comment.strip()[:500]
    report.save()
    _log(report, ReviewAction.APPROVE, user, report.review_comment)
    return report


@transaction.atomic
def report_return(*, report: OutcomeReport, user, comment: str) -> OutcomeReport:
    """Submitted → returned to the reporter, saying what to correct."""
    report = _locked_report(report)
    _require_report_status(report, ReportStatus.SUBMITTED)
    _require_reviewer(report, user)
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": _("Say what needs correcting.")})
    report.status = ReportStatus.RETURNED
    report.reviewed_at = timezone.now()
    report.reviewed_by = user
    report.review_comment = comment[:500]
    report.save()
    _log(report, ReviewAction.RETURN, user, report.review_comment)
    return report


@transaction.atomic
def report_reopen(*, report: OutcomeReport, user, reason: str) -> OutcomeReport:
    """Approved → returned, by an administrator, with the reason kept in the review trail."""
    report = _locked_report(report)
    if not user.is_administrator:
        raise TransitionNotAllowed(_("Only an administrator can reopen an approved report."))
    _require_report_status(report, ReportStatus.APPROVED)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the approved report is reopened.")})
    report.status = ReportStatus.RETURNED
    report.review_comment = reason[:500]
    report.reviewed_at = timezone.now()
    report.reviewed_by = user
    report.save()
    _log(report, ReviewAction.REOPEN, user, report.review_comment)
    return report


def report_review_bulk(
    *, reports, user, approve: bool, comment: str = ""
) -> tuple[list[OutcomeReport], list[tuple[OutcomeReport, str]]]:
    """Approve or return several reports; each stands alone, so one refusal stops no other.

    Returns the reports done and, for the others, why they were refused.
    """
    done, refused = [], []
    for report in reports:
        try:
            with transaction.atomic():
                if approve:
                    done.append(report_approve(report=report, user=user, comment=comment))
                else:
                    done.append(report_return(report=report, user=user, comment=comment))
        except ValidationError as exc:
            refused.append((report, " ".join(exc.messages)))
    return done, refused


# -- needs ---------------------------------------------------------------------


def _locked_need(need: Need) -> Need:
    return Need.objects.select_for_update().get(pk=need.pk)


def _require_need_status(need: Need, *allowed: str) -> None:
    if need.status not in allowed:
        raise TransitionNotAllowed(
            _("Not possible while the need is “%(status)s”.")
            % {"status": need.get_status_display()}
        )


@transaction.atomic
def need_match(
    *, need: Need, team=None, deployment=None, project=None, on: date | None = None
) -> Need:
    """Open → matched to what answers it: a team, deployment or project of this pairing or below."""
    need = _locked_need(need)
    _require_need_status(need, NeedStatus.OPEN, NeedStatus.MATCHED)
    if team is None and deployment is None and project is None:
        raise ValidationError(
            _("Choose the team, the deployment or the project that answers the need.")
        )
    tree = Pairing.objects.descendant_ids([need.pairing_id])
    errors = {}
    if team is not None and team.pairing_id not in tree:
        errors["team"] = _("The team belongs to another pairing.")
    if deployment is not None and deployment.pairing_id not in tree:
        errors["deployment"] = _("The deployment belongs to another pairing.")
    if project is not None and project.pairing_id not in tree:
        errors["project"] = _("The project belongs to another pairing.")
    if errors:
        raise ValidationError(errors)
    need.matched_team = team
    need.matched_deployment = deployment
    need.matched_project = project
    need.matched_on = on or _today()
    need.status = NeedStatus.MATCHED
    need.full_clean()
    need.save()
    return need


@transaction.atomic
def need_resolve(*, need: Need, on: date, note: str) -> Need:
    """Matched → resolved, on the day, saying how."""
    need = _locked_need(need)
    _require_need_status(need, NeedStatus.MATCHED)
    _not_future(on, _("resolution date"))
    if on < need.collected_on:
        raise TransitionNotAllowed(
            _("A need cannot be resolved before it was collected (%(date)s).")
            % {"date": need.collected_on}
        )
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say how the need was resolved.")})
    need.resolved_on = on
    need.resolution_note = note
    need.status = NeedStatus.RESOLVED
    need.full_clean()
    need.save()
    return need


@transaction.atomic
def need_withdraw(*, need: Need, reason: str) -> Need:
    """Open or matched → withdrawn by whoever raised it, with the reason."""
    need = _locked_need(need)
    _require_need_status(need, NeedStatus.OPEN, NeedStatus.MATCHED)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the need is withdrawn.")})
    need.resolution_note = reason
    need.status = NeedStatus.WITHDRAWN
    need.save(update_fields=["resolution_note", "status", "updated_at"])
    return need
