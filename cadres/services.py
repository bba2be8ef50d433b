"""Writes on people that are more than a form save."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cadres.models import Person, PersonalDataReveal

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
