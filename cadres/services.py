"""Writes on people, deployments, check-ins and leave that are more than a form save.

Status changes and extensions happen only here, so every path (page, API,
task) applies the same rules.
"""

import math
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.services import notifications_send
from aidtrack.core import scoping
from aidtrack.core.throttling import RateLimited
from cadres.choices import CheckInSlot, DeploymentStatus
from cadres.models import (
    CheckIn,
    CheckInReminder,
    Deployment,
    DeploymentExtension,
    LeaveRequest,
    Person,
    PersonalDataReveal,
    Team,
)
from cadres.selectors import (
    leading_memberships,
    missing_check_ins,
    people_reached_by,
    team_leader_users,
)

REVEAL_PERMISSION = "cadres.reveal_personal_data"
REVEAL_WINDOW = timedelta(hours=1)


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
    _check_reveal_budget(user)
    PersonalDataReveal.objects.create(
        person=person, field=field, reason=reason, revealed_by=user, request_id=request_id
    )
    return getattr(person, field)


def _check_reveal_budget(user) -> None:
    """At most REVEALS_PER_HOUR reveals per user in any hour, counted from the reveal log.

    The log is the count: it is durable, shared by page and API and by every
    process, and needs no cache. The user's row is locked so that parallel
    reveals cannot all pass the check at once.
    """
    limit = settings.REVEALS_PER_HOUR
    since = timezone.now() - REVEAL_WINDOW
    user_model = PersonalDataReveal._meta.get_field("revealed_by").related_model
    list(user_model.objects.select_for_update().filter(pk=user.pk).values_list("pk"))
    recent = PersonalDataReveal.objects.filter(revealed_by=user, revealed_at__gt=since)
    if recent.count() < limit:
        return
    oldest = recent.order_by("-revealed_at").values_list("revealed_at", flat=True)[limit - 1]
    wait = max(math.ceil((oldest + REVEAL_WINDOW - timezone.now()).total_seconds()), 1)
    raise RateLimited(
        _(
            "You have revealed %(limit)s ID numbers or phones in the last hour, the most "
            "allowed. Try again in %(minutes)s minutes."
        )
        % {"limit": limit, "minutes": math.ceil(wait / 60)},
        wait=wait,
    )


@transaction.atomic
def deployment_start(deployment: Deployment, *, user=None, on: date) -> Deployment:
    """Planned → on post, from the day the person arrived."""
    deployment = Deployment.transitions.begin(deployment, "start")
    if on >= deployment.planned_end_date:
        raise ValidationError({"on": _("The arrival must be before the planned end.")})
    deployment.start_date = on
    deployment.status = DeploymentStatus.ON_POST
    deployment.full_clean()
    deployment.save()
    return deployment


@transaction.atomic
def deployment_complete(
    deployment: Deployment, *, user=None, on: date, reason: str = ""
) -> Deployment:
    """On post → completed: the term served."""
    deployment = Deployment.transitions.begin(deployment, "complete")
    return _deployment_end(deployment, DeploymentStatus.COMPLETED, on=on, reason=reason)


@transaction.atomic
def deployment_recall(deployment: Deployment, *, user=None, on: date, reason: str) -> Deployment:
    """On post → recalled: ended early, with a reason."""
    deployment = Deployment.transitions.begin(deployment, "recall")
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the person was recalled.")})
    return _deployment_end(deployment, DeploymentStatus.RECALLED, on=on, reason=reason)


def _deployment_end(deployment: Deployment, status: str, *, on: date, reason: str) -> Deployment:
    """End a locked deployment on post on ``on``; a reason is kept in the notes."""
    if on < deployment.start_date:
        raise ValidationError({"on": _("The end cannot be before the start.")})
    deployment.actual_end_date = on
    deployment.status = status
    if reason.strip():
        deployment.notes = "\n".join(filter(None, [deployment.notes, reason.strip()]))
    deployment.full_clean()
    deployment.save()
    return deployment


@transaction.atomic
def deployment_extend(
    deployment: Deployment, *, user=None, new_end: date, reason: str, approval_reference: str
) -> Deployment:
    """Move the planned end later; the previous end is kept on a new extension."""
    deployment = Deployment.transitions.begin(deployment, "extend")
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
    return deployment


# -- teams: who may act for whom -------------------------------------------------


def leads_team(user, team: Team, day: date | None = None) -> bool:
    """Whether ``user`` is the account of the team's current leader or technical head."""
    return leading_memberships(user, day).filter(team=team).exists()


def _coordinates(user, model, obj_queryset) -> bool:
    """A coordinator (or administrator) whose scope covers the record may change it."""
    return user.may(scoping.CHANGE, model) and obj_queryset.for_user(user, scoping.CHANGE).exists()


def may_record_check_in(user, person: Person) -> bool:
    """The person themselves, a leader of one of their current teams, or their coordinator."""
    if not user.is_authenticated:
        return False
    if people_reached_by(user).filter(pk=person.pk).exists():
        return True
    return _coordinates(user, CheckIn, Person.objects.filter(pk=person.pk))


# -- check-ins (两安两好) -----------------------------------------------------------


@transaction.atomic
def check_in_record(
    *, person: Person, slot: str, state: str, note: str = "", on: date | None = None, user
) -> CheckIn:
    """Record (or correct) the person's check-in for a slot; a later tap replaces it."""
    if not may_record_check_in(user, person):
        raise PermissionDenied(_("You may not record check-ins for this person."))
    on = on or timezone.localdate()
    check_in = CheckIn.objects.select_for_update().filter(
        person=person, date=on, slot=slot
    ).first() or CheckIn(person=person, date=on, slot=slot)
    check_in.state = state
    check_in.note = note.strip()
    check_in.recorded_at = timezone.now()
    check_in.full_clean()
    check_in.save()
    return check_in


def check_in_reminders_send(*, on: date, slot: str) -> int:
    """Remind everyone on post in a team who has not checked in for ``slot`` on ``on``.

    The person (if they have an account) gets a notification, and each team
    leader one listing their missing members. Each person, day and slot is
    reminded at most once, however often this runs. Returns how many people
    were reminded.
    """
    if slot not in CheckInSlot.values:
        raise ValueError(f"unknown slot {slot!r}")
    slot_label = CheckInSlot(slot).label
    teams_by_person: dict[int, list] = {}
    people: dict[int, Person] = {}
    for member in missing_check_ins(on, slot):
        people[member.person_id] = member.person
        teams_by_person.setdefault(member.person_id, []).append(member.team)
    reminded = [person for person in people.values() if _reminder_claimed(person, on, slot)]
    if not reminded:
        return 0
    url = reverse("cadres:checkin")
    for person in reminded:
        if person.user is not None:
            notifications_send(
                users=[person.user],
                message=_("You have not checked in yet (%(slot)s, %(date)s): tap to report.")
                % {"slot": slot_label, "date": on},
                url=url,
                subject=_("Check-in reminder"),
            )
    _notify_leaders(reminded, teams_by_person, on, slot_label)
    return len(reminded)


def _reminder_claimed(person: Person, on: date, slot: str) -> bool:
    """Record the reminder; False if this person was already reminded (by another run)."""
    try:
        with transaction.atomic():
            _reminder, created = CheckInReminder.objects.get_or_create(
                person=person, date=on, slot=slot
            )
    except IntegrityError:  # a concurrent run inserted it first
        return False
    return created


def _notify_leaders(reminded, teams_by_person, on: date, slot_label) -> None:
    teams = {team.pk: team for person in reminded for team in teams_by_person[person.pk]}
    leaders = team_leader_users(teams, on)
    for team_id, team in teams.items():
        missing = [p for p in reminded if team in teams_by_person[p.pk]]
        names = [p.name for p in missing]
        # A leader who is the only one missing has their own reminder already.
        users = [u for u in leaders.get(team_id, []) if [u.person.pk] != [p.pk for p in missing]]
        if not users:
            continue
        notifications_send(
            users=users,
            message=_("%(team)s: not checked in yet (%(slot)s, %(date)s): %(names)s")
            % {"team": team, "slot": slot_label, "date": on, "names": "、".join(names)},
            url=reverse("cadres:checkin"),
            subject=_("Missing check-ins"),
        )


# -- leave requests ------------------------------------------------------------------


def may_decide_leave(user, leave_request: LeaveRequest) -> bool:
    """The team's leader, or a coordinator responsible for the team; never oneself."""
    if not user.is_authenticated or leave_request.person.user_id == user.pk:
        return False
    if leads_team(user, leave_request.team):
        return True
    return _coordinates(user, LeaveRequest, LeaveRequest.objects.filter(pk=leave_request.pk))


@transaction.atomic
def leave_request_submit(
    *, person: Person, team: Team, start: date, end: date, reason: str, user
) -> LeaveRequest:
    """A member asks for leave (or someone records it for them); the leaders are told."""
    if not may_record_check_in(user, person):
        raise PermissionDenied(_("You may not request leave for this person."))
    leave_request = LeaveRequest(
        person=person, team=team, start_date=start, end_date=end, reason=reason.strip()
    )
    leave_request.full_clean()
    leave_request.save()
    leaders = [
        u
        for u in team_leader_users([team.pk], timezone.localdate()).get(team.pk, [])
        if u.pk != person.user_id
    ]
    if leaders:
        message = _("%(person)s asks for leave from %(start)s to %(end)s: %(reason)s") % {
            "person": person,
            "start": start,
            "end": end,
            "reason": leave_request.reason,
        }
        notifications_send(
            users=leaders,
            message=message,
            url=reverse("cadres:checkin"),
            subject=_("Leave request"),
        )
    return leave_request


def leave_request_approve(leave_request: LeaveRequest, *, user, comment: str = ""):
    """Pending → approved, by the team's leader or its coordinator."""
    return _leave_request_decide(leave_request, "approve", user=user, comment=comment)


def leave_request_reject(leave_request: LeaveRequest, *, user, comment: str = ""):
    """Pending → rejected, saying why, by the team's leader or its coordinator."""
    return _leave_request_decide(leave_request, "reject", user=user, comment=comment)


@transaction.atomic
def _leave_request_decide(leave_request: LeaveRequest, step: str, *, user, comment: str):
    leave_request = LeaveRequest.transitions.begin(leave_request, step)
    if not may_decide_leave(user, leave_request):
        raise PermissionDenied(
            _("Only the team's leader or a coordinator responsible for it may decide.")
        )
    comment = comment.strip()
    if step == "reject" and not comment:
        raise ValidationError({"comment": _("Say why the leave is refused.")})
    leave_request.status = LeaveRequest.transitions[step].target
    leave_request.decided_by = user
    leave_request.decided_at = timezone.now()
    leave_request.decision_comment = comment
    leave_request.full_clean()
    leave_request.save()
    person_user = leave_request.person.user
    if person_user is not None:
        message = _("Your leave from %(start)s to %(end)s was %(status)s.") % {
            "start": leave_request.start_date,
            "end": leave_request.end_date,
            "status": leave_request.get_status_display(),
        }
        notifications_send(
            users=[person_user],
            message=f"{message} {comment}".strip(),
            url=reverse("cadres:checkin"),
            subject=_("Leave request decided"),
        )
    return leave_request
