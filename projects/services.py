"""Writes on projects, outcome reports and needs that are more than a form save.

Every status change is a transition of its model's table (core.transitions)
and happens here, on the row ``transitions.begin`` locks for the transaction,
so the page, the API and tasks apply the same preconditions and two people
acting at once cannot interleave. A refused change raises
``TransitionNotAllowed`` (the API answers 409) and changes nothing.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.models import User
from accounts.services import notifications_send
from aidtrack.core.transitions import TransitionNotAllowed
from pairings.models import Pairing
from pairings.selectors import chain_ids
from projects.choices import NeedStatus, ProjectStatus, ReportStatus, ReviewAction
from projects.models import (
    Need,
    OutcomeEvidence,
    OutcomeReport,
    OutcomeReportReview,
    ProgressUpdate,
    Project,
    ProjectAttachment,
)


def _today() -> date:
    return timezone.localdate()


# -- projects ------------------------------------------------------------------


def _is_number(text: str) -> bool:
    return text.isascii() and text.isdigit()  # "²" is a digit that int() refuses


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
        (int(code[len(prefix) :]) for code in taken if _is_number(code[len(prefix) :])), default=0
    )
    return f"{prefix}{highest + 1:03d}"


@transaction.atomic
def project_save(project: Project, *, user=None) -> Project:
    """Create or change a project's details (not its status); codes are generated if empty."""
    if not project.code and project.pairing_id and project.year:
        project.code = project_code_next(pairing=project.pairing, year=project.year)
    project.full_clean()
    project.save()
    return project


def _not_future(day: date, what: str) -> None:
    if day > _today():
        raise TransitionNotAllowed(_("The %(what)s cannot be in the future.") % {"what": what})


@transaction.atomic
def project_approve(project: Project, *, user=None) -> Project:
    """Planned → approved (立项): the budget and the planned dates must be known."""
    project = Project.transitions.begin(project, "approve")
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
def project_start(project: Project, *, user=None, on: date | None = None) -> Project:
    """Approved → in progress, from the actual start date."""
    project = Project.transitions.begin(project, "start")
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
def project_complete(project: Project, *, user=None, on: date | None = None) -> Project:
    """In progress → completed (完工), on the actual end date; progress reaches 100%."""
    project = Project.transitions.begin(project, "complete")
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
def project_accept(project: Project, *, user=None, on: date) -> Project:
    """Completed → accepted (验收), on the acceptance date."""
    project = Project.transitions.begin(project, "accept")
    _not_future(on, _("acceptance date"))
    # An administrator may have cleared the end date since; then there is nothing to compare.
    if project.actual_end_date and on < project.actual_end_date:
        raise TransitionNotAllowed(
            _("Acceptance cannot come before completion (%(end)s).")
            % {"end": project.actual_end_date}
        )
    project.accepted_on = on
    project.status = ProjectStatus.ACCEPTED
    project.save(update_fields=["accepted_on", "status", "updated_at"])
    return project


@transaction.atomic
def project_cancel(project: Project, *, user=None, reason: str) -> Project:
    """Any state before completion → cancelled (终止) today, with the reason."""
    project = Project.transitions.begin(project, "cancel")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the project is cancelled.")})
    project.cancelled_on = _today()
    project.cancellation_reason = reason[:300]
    project.status = ProjectStatus.CANCELLED
    project.save(update_fields=["cancelled_on", "cancellation_reason", "status", "updated_at"])
    return project


# -- progress ------------------------------------------------------------------


@transaction.atomic
def progress_save(update: ProgressUpdate, *, user=None, files=()) -> ProgressUpdate:
    """Record (or correct) a progress update, with photos or documents.

    The project row is locked first, so the "never goes back" check sees
    every other update of the project. New progress needs a project under
    way; corrections of earlier updates do not.
    """
    project = Project.objects.select_for_update().get(pk=update.project_id)
    if update.pk is None and project.status != ProjectStatus.IN_PROGRESS:
        raise TransitionNotAllowed(
            _("Not possible while the project is “%(status)s”.")
            % {"status": project.get_status_display()},
            code="conflict",
        )
    update.project = project
    update.full_clean()
    update.save()
    for upload in files:
        attachment = ProjectAttachment(project=project, progress_update=update, file=upload)
        attachment.full_clean()
        attachment.save()
    return update


# -- outcome reports -------------------------------------------------------------


def _log(report: OutcomeReport, action: str, user, comment: str = "") -> None:
    OutcomeReportReview.objects.create(report=report, action=action, user=user, comment=comment)


def may_review(user, report: OutcomeReport) -> bool:
    """Four eyes: whoever submitted a report does not approve or return it.

    The one statement of the rule: the transitions name it as their guard, so
    the detail page offers no button the submitter could not use, and the
    services below refuse the step. Who may review at all is the transition's
    business (its roles); the roles exempt from four eyes are the model's
    ``SELF_REVIEW_ROLES``.
    """
    return report.submitted_by_id != user.pk or OutcomeReport.self_review_allowed(user)


def _require_reviewer(report: OutcomeReport, user) -> None:
    if not may_review(user, report):
        raise TransitionNotAllowed(_("A report is reviewed by someone other than its submitter."))


def report_reviewers(report: OutcomeReport):
    """Who is told a report awaits review: the coordinators responsible for its pairing.

    Those whose scope holds the report's pairing or a pairing above it (the
    same reach that lets them approve it), except the submitter; where no
    coordinator is responsible, the administrators.
    """
    pairing_id = report.project.pairing_id if report.project_id else report.pairing_id
    chain = chain_ids(pairing_id)
    others = User.objects.filter(is_active=True).exclude(pk=report.submitted_by_id)
    coordinators = others.filter(role=Role.COORDINATOR, scope_pairings__in=chain).distinct()
    if coordinators.exists():
        return coordinators
    return others.filter(Q(role=Role.ADMINISTRATOR) | Q(is_superuser=True))


def _notify_reviewers(report: OutcomeReport) -> None:
    message = _("%(user)s submitted an outcome report for review: %(report)s") % {
        "user": report.submitted_by,
        "report": report,
    }
    notifications_send(
        users=report_reviewers(report),
        message=message,
        url=report.get_absolute_url(),
        subject=_("Outcome report awaiting review"),
    )


@transaction.atomic
def report_submit(report: OutcomeReport, *, user) -> OutcomeReport:
    """Draft or returned → submitted for review; the values are checked again."""
    report = OutcomeReport.transitions.begin(report, "submit")
    report.full_clean()
    report.status = ReportStatus.SUBMITTED
    report.submitted_at = timezone.now()
    report.submitted_by = user
    report.save()
    _log(report, ReviewAction.SUBMIT, user)
    _notify_reviewers(report)
    return report


@transaction.atomic
def report_approve(report: OutcomeReport, *, user, comment: str = "") -> OutcomeReport:
    """Submitted → approved: from now on the value counts, and the report is locked."""
    report = OutcomeReport.transitions.begin(report, "approve")
    _require_reviewer(report, user)
    report.status = ReportStatus.APPROVED
    report.reviewed_at = timezone.now()
    report.reviewed_by = user
    report.review_comment = comment.strip()[:500]
    report.save()
    _log(report, ReviewAction.APPROVE, user, report.review_comment)
    return report


@transaction.atomic
def report_return(report: OutcomeReport, *, user, comment: str) -> OutcomeReport:
    """Submitted → returned to the reporter, saying what to correct."""
    report = OutcomeReport.transitions.begin(report, "return")
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
def report_reopen(report: OutcomeReport, *, user, reason: str) -> OutcomeReport:
    """Approved → returned, with the reason kept in the review trail.

    Only administrators: the transition's roles say so, and the pages and
    the API refuse everyone else before this runs.
    """
    report = OutcomeReport.transitions.begin(report, "reopen")
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
                    done.append(report_approve(report, user=user, comment=comment))
                else:
                    done.append(report_return(report, user=user, comment=comment))
        except ValidationError as exc:
            refused.append((report, " ".join(exc.messages)))
    return done, refused


@transaction.atomic
def evidence_save(evidence: OutcomeEvidence, *, user=None) -> OutcomeEvidence:
    """Add (or change) a report's evidence while the report is open to changes.

    The report row is locked, so it cannot be submitted while the file is saved.
    """
    report = OutcomeReport.objects.select_for_update().get(pk=evidence.report_id)
    reason = report.locked_reason(user)
    if reason:
        raise TransitionNotAllowed(reason, code="conflict")
    evidence.report = report
    evidence.full_clean()
    evidence.save()
    return evidence


# -- needs ---------------------------------------------------------------------


@transaction.atomic
def need_match(
    need: Need, *, user=None, team=None, deployment=None, project=None, on: date | None = None
) -> Need:
    """Open → matched to what answers it: a team, deployment or project of this pairing or below."""
    need = Need.transitions.begin(need, "match")
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
def need_resolve(need: Need, *, user=None, on: date, note: str) -> Need:
    """Matched → resolved, on the day, saying how."""
    need = Need.transitions.begin(need, "resolve")
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
def need_withdraw(need: Need, *, user=None, reason: str) -> Need:
    """Open or matched → withdrawn by whoever raised it, with the reason."""
    need = Need.transitions.begin(need, "withdraw")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the need is withdrawn.")})
    need.resolution_note = reason
    need.status = NeedStatus.WITHDRAWN
    need.save(update_fields=["resolution_note", "status", "updated_at"])
    return need
