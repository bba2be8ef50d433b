"""Which pairings and projects one export holds: the caller's scope and the list's filters.

The API and ``manage.py export_iati`` both come here, so the same parameters
give the same rows, and so the same file.
"""

from django.core.exceptions import ObjectDoesNotExist, ValidationError

from aidtrack.core.filters import FROM_YEAR
from projects.filters import ProjectFilterSet
from publishing.reads import Selection


class NothingToPublish(ObjectDoesNotExist):
    """No pairing in reach: an activity file must hold at least one activity."""


def selection_make(*, pairings, projects, data, request=None) -> Selection:
    """The export of ``projects`` filtered as the projects list filters them (``data``:
    ``pairing`` with the pairings below it, ``year`` and ``from_year``, ``status``, …),
    with their pairings as parent activities.

    ``pairings`` and ``projects`` are already scoped (``for_user``). A ``pairing``
    outside them, or none at all, raises ``NothingToPublish``; bad parameters
    raise ``ValidationError`` naming them.
    """
    filterset = ProjectFilterSet(data, queryset=projects, request=request)
    if not filterset.is_valid():
        raise ValidationError(filterset.form.errors.as_data())
    cleaned = filterset.form.cleaned_data
    root = cleaned.get("pairing")
    if root is not None:
        if not pairings.filter(pk=root).exists():
            raise NothingToPublish
        pairings = pairings.filter(pk__in=pairings.descendant_ids([root]))
    elif not pairings.exists():
        raise NothingToPublish
    return Selection(pairings=pairings, projects=filterset.qs, years=_years(cleaned))


def _years(cleaned) -> tuple[int, ...] | None:
    """The programme years asked for: ``year``, or ``from_year`` to ``year``."""
    last = cleaned.get("year")
    if last is None:
        return None
    first = cleaned.get(FROM_YEAR)
    first = first if first is not None and first < last else last
    return tuple(range(first, last + 1))
