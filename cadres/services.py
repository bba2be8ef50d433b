"""Writes on people and deployments that are more than a form save.

Status changes and extensions happen only here, so every path (page, API,
task) applies the same rules.
"""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cadres.choices import DeploymentStatus
from cadres.models import Deployment, DeploymentExtension, Person, PersonalDataReveal

REVEAL_PERMISSION = "cadres.reveal_personal_data"


@transaction.atomic
def person_reveal(*, person: Person, field: str, reason: str, user, request_id: str = "") -> str:
    """Return the unmasked ``field`` of ``person`` and log who asked and why."""
    if not user.has_perm(REVEAL_PERMISSION):
        raise PermissionDenied(_("You may not reveal personal data."))
    if field not in PersonalDataReveal.Field.values:
        raise ValidationError({"field": _("Only the ID number or the phone can be revealed.")})
    reason = reason.strip()
    if len(reason) < 4:
        raise ValidationError({"reason": _("Say why you need to see it (at least 4 characters).")})
    PersonalDataReveal.objects.create(
        person=person, field=field, reason=reason, revealed_by=user, request_id=request_id
    )
    return getattr(person, field)


def _locked(deployment: Deployment) -> Deployment:
    """The row, locked until the transaction ends, so two transitions cannot interleave."""
    return Deployment.objects.select_for_update().get(pk=deployment.pk)


def _require_status(deployment: Deployment, *allowed: str) -> None:
    if deployment.status not in allowed:
        raise ValidationError(
            _("Not possible while the deployment is “%(status)s”.")
            % {"status": deployment.get_status_display()}
        )


@transaction.atomic
def deployment_start(*, deployment: Deployment, on: date) -> Deployment:
    """Planned → on post, from the day the person arrived."""
    deployment = _locked(deployment)
    _require_status(deployment, DeploymentStatus.PLANNED)
    if on >= deployment.planned_end_date:
        raise ValidationError({"on": _("The arrival must be before the planned end.")})
    deployment.start_date = on
    deployment.status = DeploymentStatus.ON_POST
    deployment.full_clean()
    deployment.save()
    return deployment


@transaction.atomic
def deployment_end(
    *, deployment: Deployment, on: date, recalled: bool = False, reason: str = ""
) -> Deployment:
    """On post → completed (term served) or recalled (ended early, with a reason)."""
    deployment = _locked(deployment)
    _require_status(deployment, DeploymentStatus.ON_POST)
    if on < deployment.start_date:
        raise ValidationError({"on": _("The end cannot be before the start.")})
    if recalled and not reason.strip():
        raise ValidationError({"reason": _("Say why the person was recalled.")})
    deployment.actual_end_date = on
    deployment.status = DeploymentStatus.RECALLED if recalled else DeploymentStatus.COMPLETED
    if reason.strip():
        deployment.notes = "\n".join(filter(None, [deployment.notes, reason.strip()]))
    deployment.full_clean()
    deployment.save()
    return deployment


@transaction.atomic
def deployment_extend(
    *, deployment: Deployment, new_end: date, reason: str, approval_reference: str
) -> DeploymentExtension:
    """Move the planned end later; the previous end is kept on the extension."""
    deployment = _locked(deployment)
    _require_status(deployment, DeploymentStatus.PLANNED, DeploymentStatus.ON_POST)
    if new_end <= deployment.planned_end_date:
        raise ValidationError(
            {
                "new_end": _("An extension must end after the current planned end (%(end)s).")
                % {"end": deployment.planned_end_date}
            }
        )
    extension = DeploymentExtension(
        deployment=deployment,
        previous_end_date=deployment.planned_end_date,
        new_end_date=new_end,
        reason=reason,
        approval_reference=approval_reference,
    )
    extension.full_clean()
    deployment.planned_end_date = new_end
    deployment.full_clean()  # the longer term must not run into the person's next deployment
    deployment.save()
    extension.save()
    return extension
