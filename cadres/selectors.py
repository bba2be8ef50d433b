"""Reads over people, deployments and teams that are more than a filter.

The dashboard selectors (docs/architecture.md) take ``pairing_ids`` already
expanded to descendants by the caller and do no scoping of their own: the
caller decides whose figures they are.
"""

from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import ExtractYear
from django.utils import timezone

from aidtrack.core.rollup import Groups, roll_up, years_q
from aidtrack.core.subqueries import count_per_row
from cadres.choices import (
    TEAM_LEADER_ROLES,
    CheckInSlot,
    CheckInState,
    DeploymentKind,
    DeploymentStatus,
    Direction,
    LeaveStatus,
    PersonCategory,
    Specialty,
    TeamRole,
)


def deployment_active_on(day: date) -> Q:
    """Deployments under way on ``day``: started, not ended, not merely planned."""
    return (
        Q(start_date__lte=day)
        & ~Q(status=DeploymentStatus.PLANNED)
        & (Q(actual_end_date__gte=day) | Q(actual_end_date__isnull=True, planned_end_date__gte=day))
    )


def membership_current_on(day: date, prefix: str = "") -> Q:
    """Team memberships that hold on ``day`` (a blank joined/left date means the team's)."""
    p = f"{prefix}__" if prefix else ""
    joined = Q(**{f"{p}joined_on__lte": day}) | Q(
        **{f"{p}joined_on__isnull": True, f"{p}team__start_date__lte": day}
    )
    not_left = Q(**{f"{p}left_on__gte": day}) | (
        Q(**{f"{p}left_on__isnull": True})
        & (Q(**{f"{p}team__end_date__isnull": True}) | Q(**{f"{p}team__end_date__gte": day}))
    )
    return joined & not_left


def _deployments(pairing_ids: Collection[int]):
    from cadres.models import Deployment

    return Deployment.objects.filter(pairing__any_id=pairing_ids)


# -- dashboard selectors (docs/architecture.md) ------------------------------------------
#
# Set-based (aidtrack.core.rollup): the ``…_counts`` functions answer for many
# groups of pairings and years in one statement each; the single-pairing
# selectors are the same functions with one group.


def _count_filters(column: str, codes) -> dict[str, str]:
    # Choice codes are our own identifiers (no quote, no %), safe as SQL literals.
    return {
        f"{column}_{code}": f"COUNT(DISTINCT o.who) FILTER (WHERE o.{column} = '{code}')"
        for code in codes
    }


def people_on_post_counts(
    groups: Groups, days: Mapping[int, date], *, breakdowns: bool = True
) -> dict[tuple, dict]:
    """Distinct people on post per group on each ``{year: day}``: ``{(key, year): {...}}``.

    A person counts once in a group whatever the number of their deployments
    under way in it, and once in each breakdown they belong to. Without
    ``breakdowns`` only the total is counted (each breakdown is a distinct
    count of its own: the summaries of every pairing need the total only).
    """
    empty = {
        "total": 0,
        "by_category": dict.fromkeys(PersonCategory.values, 0),
        "by_specialty": dict.fromkeys(Specialty.values, 0),
        "by_direction": dict.fromkeys(Direction.values, 0),
    }
    counts = {
        (key, year): {
            name: dict(value) if isinstance(value, dict) else value for name, value in empty.items()
        }
        for key in groups
        for year in days
    }
    breakdowns = (
        (
            ("by_category", "cat", PersonCategory.values),
            ("by_specialty", "spec", Specialty.values),
            ("by_direction", "direction", Direction.values),
        )
        if breakdowns
        else ()
    )
    totals = {"total": "COUNT(DISTINCT o.who)"}
    for _name, column, codes in breakdowns:
        totals.update(_count_filters(column, codes))
    for year, day in days.items():
        on_post = _deployments(groups.pairing_ids).filter(deployment_active_on(day))
        if breakdowns:
            on_post = on_post.values(
                "direction",
                pid=F("pairing_id"),
                who=F("person_id"),
                cat=F("person__category"),
                spec=F("person__specialty"),
            )
        else:
            on_post = on_post.values(pid=F("pairing_id"), who=F("person_id"))
        rows = roll_up(
            on_post.distinct(),
            groups,
            totals=totals,
        )
        for row in rows:
            summary = counts[(row["group"], year)]
            summary["total"] = row["total"]
            for name, column, codes in breakdowns:
                summary[name] = {code: row[f"{column}_{code}"] for code in codes}
    return counts


def people_on_post(pairing_ids: Collection[int], on: date) -> dict:
    """Distinct people whose deployment under the pairings is under way on ``on``."""
    return people_on_post_counts(Groups.one(pairing_ids), {on.year: on})[(0, on.year)]


def deployment_started_in(*years: int) -> Q:
    """Deployments begun in ``years``; shared with the list filter the dashboards link to."""
    return years_q("start_date", years) & ~Q(status=DeploymentStatus.PLANNED)


def deployments_started_counts(groups: Groups, years) -> dict[tuple, Counter]:
    """Deployments begun per group and year, by (person category, kind, direction).

    ``{(key, year): Counter({(category, kind, direction): n})}``: every figure
    of deployments sent (cadres, long-term talents, professional person-times)
    adds up the cells it asks for.
    """
    years = sorted(set(years))
    counts = {(key, year): Counter() for key in groups for year in years}
    if not years:
        return counts
    rows = roll_up(
        _deployments(groups.pairing_ids)
        .filter(deployment_started_in(*years))
        .values(
            "kind",
            "direction",
            pid=F("pairing_id"),
            year_=ExtractYear("start_date"),
            cat=F("person__category"),
        )
        .annotate(n=Count("pk")),
        groups,
        by=["year_", "cat", "kind", "direction"],
        totals={"n": "SUM(o.n)"},
    )
    for row in rows:
        key = (row["group"], int(row["year_"]))
        counts[key][(row["cat"], row["kind"], row["direction"])] += int(row["n"])
    return counts


def started_count(
    counts: Counter,
    *,
    category: str | None = None,
    kind: str | None = None,
    direction: str | None = None,
) -> int:
    """The deployments of one cell set of ``deployments_started_counts`` that match."""
    return sum(
        n
        for (cat, knd, drc), n in counts.items()
        if (not category or cat == category)
        and (not kind or knd == kind)
        and (not direction or drc == direction)
    )


def current_member_count(today: date):
    """An annotation for teams: their members who have not left by ``today``.

    A subquery per team row shown (the hub's first page), not a GROUP BY over
    every team's members.
    """
    from cadres.models import TeamMember

    present = TeamMember.objects.filter(Q(left_on__isnull=True) | Q(left_on__gte=today))
    return count_per_row(present, "team")


def deployments_started(
    pairing_ids: Collection[int],
    year: int,
    *,
    category: str | None = None,
    kind: str | None = None,
    direction: str | None = None,
) -> int:
    """Deployments that began in ``year`` (merely planned ones have not begun)."""
    counts = deployments_started_counts(Groups.one(pairing_ids), [year])[(0, year)]
    return started_count(counts, category=category, kind=kind, direction=direction)


def professional_person_times(pairing_ids: Collection[int], year: int) -> int:
    """Short-term professional support begun in ``year``: each stint is one person-time."""
    return deployments_started(pairing_ids, year, kind=DeploymentKind.SHORT_TERM)


def age_on(birth_date: date, on: date) -> int:
    """Completed years, as a form asks for age."""
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


def average_age(
    pairing_ids: Collection[int], on: date, *, category: str | None = None
) -> Decimal | None:
    """Average age (1 decimal) of the people on post on ``on``; None when nobody is."""
    deployments = _deployments(pairing_ids).filter(deployment_active_on(on))
    if category:
        deployments = deployments.filter(person__category=category)
    births = dict(deployments.values_list("person_id", "person__birth_date"))
    if not births:
        return None
    total = sum(age_on(birth, on) for birth in births.values())
    return (Decimal(total) / len(births)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def deployments_ending_within(
    pairing_ids: Collection[int], days: int = 60, today: date | None = None
) -> QuerySet:
    """On post now and planned to end within ``days``, soonest first."""
    today = today or timezone.localdate()
    return (
        _deployments(pairing_ids)
        .filter(status=DeploymentStatus.ON_POST, start_date__lte=today)
        .filter(planned_end_date__gte=today, planned_end_date__lte=today + timedelta(days=days))
        .select_related("person", "host_organization")
        .order_by("planned_end_date", "id")
    )


# -- teams and check-ins ----------------------------------------------------------

ROLE_ORDER = {role: index for index, role in enumerate(TeamRole.values)}


@dataclass
class BoardRow:
    """One member on a team's check-in board for a day."""

    member: object
    morning: object = None
    evening: object = None
    on_leave: bool = False
    # Not deployed today (e.g. a mission's local administrative head): no check-in due.
    on_post: bool = True

    @property
    def person(self):
        return self.member.person

    @property
    def concerns(self) -> list:
        """Check-ins that were not “well”."""
        return [c for c in (self.morning, self.evening) if c and c.state != CheckInState.WELL]


@dataclass
class TeamBoard:
    """Who in a team has (not) checked in on a day, by sub-group."""

    team: object
    day: date
    rows: list[BoardRow] = field(default_factory=list)

    @property
    def groups(self) -> list[tuple[str, list[BoardRow]]]:
        groups: dict[str, list[BoardRow]] = {}
        for row in self.rows:
            groups.setdefault(row.member.subgroup, []).append(row)
        return list(groups.items())

    def missing(self, slot: str) -> list[BoardRow]:
        return [r for r in self.rows if r.on_post and not r.on_leave and getattr(r, slot) is None]

    @property
    def missing_morning(self) -> list[BoardRow]:
        return self.missing(CheckInSlot.MORNING)

    @property
    def missing_evening(self) -> list[BoardRow]:
        return self.missing(CheckInSlot.EVENING)

    @property
    def concerns(self) -> list[BoardRow]:
        return [r for r in self.rows if r.concerns]


def team_board(team, day: date | None = None) -> TeamBoard:
    """The team's members on ``day`` with their check-ins and approved leave: four queries."""
    from cadres.models import CheckIn, Deployment, LeaveRequest, TeamMember

    day = day or timezone.localdate()
    members = sorted(
        TeamMember.objects.filter(team=team)
        .filter(membership_current_on(day))
        .select_related("person"),
        key=lambda m: (m.subgroup, ROLE_ORDER[m.role], m.person.name),
    )
    people = {m.person_id: m.person for m in members}
    check_ins = {}
    day_check_ins = CheckIn.objects.filter(person_id__in=list(people), date=day)
    for check_in in day_check_ins.select_related("updated_by"):
        check_in.person = people[check_in.person_id]  # (CheckIn.on_behalf reads it; no query)
        check_ins[check_in.person_id, check_in.slot] = check_in
    on_leave = set(
        LeaveRequest.objects.filter(
            team=team,
            status=LeaveStatus.APPROVED,
            start_date__lte=day,
            end_date__gte=day,
        ).values_list("person_id", flat=True)
    )
    on_post = set(
        Deployment.objects.filter(person_id__in=list(people))
        .filter(deployment_active_on(day))
        .values_list("person_id", flat=True)
    )
    rows = [
        BoardRow(
            member=m,
            on_post=m.person_id in on_post,
            morning=check_ins.get((m.person_id, CheckInSlot.MORNING)),
            evening=check_ins.get((m.person_id, CheckInSlot.EVENING)),
            on_leave=m.person_id in on_leave,
        )
        for m in members
    ]
    return TeamBoard(team=team, day=day, rows=rows)


def leading_memberships(user, day: date | None = None) -> QuerySet:
    """The memberships in which the person linked to ``user`` leads a team on ``day``.

    The one rule of who leads a team (its leader or technical head, currently
    a member): scoping, pages and services all ask it.
    """
    from cadres.models import TeamMember

    if user is None or not user.is_authenticated:
        return TeamMember.objects.none()
    day = day or timezone.localdate()
    return TeamMember.objects.filter(person__user=user, role__in=TEAM_LEADER_ROLES).filter(
        membership_current_on(day)
    )


def people_reached_by(user, day: date | None = None) -> QuerySet:
    """The person linked to ``user`` and the current members of the teams they lead.

    Whom a team member's account acts for (checks in for, sees on the phone
    page); ids, for use in a filter.
    """
    from cadres.models import Person, TeamMember

    if user is None or not user.is_authenticated:
        return Person.objects.none().values("pk")
    day = day or timezone.localdate()
    led = leading_memberships(user, day).values("team")
    members = TeamMember.objects.filter(team__in=led).filter(membership_current_on(day))
    return Person.objects.filter(Q(user=user) | Q(pk__in=members.values("person"))).values("pk")


def current_team_memberships(person, day: date | None = None) -> QuerySet:
    from cadres.models import TeamMember

    day = day or timezone.localdate()
    return (
        TeamMember.objects.filter(person=person)
        .filter(membership_current_on(day))
        .select_related("team")
    )


def missing_check_ins(on: date, slot: str) -> QuerySet:
    """Current team members on post on ``on`` without a check-in for ``slot``, not on leave."""
    from cadres.models import CheckIn, Deployment, LeaveRequest, TeamMember

    on_post = Deployment.objects.filter(person=OuterRef("person")).filter(deployment_active_on(on))
    checked_in = CheckIn.objects.filter(person=OuterRef("person"), date=on, slot=slot)
    on_leave = LeaveRequest.objects.filter(
        person=OuterRef("person"),
        team=OuterRef("team"),
        status=LeaveStatus.APPROVED,
        start_date__lte=on,
        end_date__gte=on,
    )
    return (
        TeamMember.objects.filter(membership_current_on(on))
        .filter(Exists(on_post))
        .exclude(Exists(checked_in))
        .exclude(Exists(on_leave))
        .select_related("person__user", "team")
    )


def team_leader_users(team_ids: Collection[int], day: date) -> dict[int, list]:
    """team id → the active user accounts of its current leaders."""
    from cadres.models import TeamMember

    leaders: dict[int, list] = {}
    for member in (
        TeamMember.objects.filter(team_id__in=list(team_ids), role__in=TEAM_LEADER_ROLES)
        .filter(membership_current_on(day))
        .filter(person__user__isnull=False, person__user__is_active=True)
        .select_related("person__user")
    ):
        leaders.setdefault(member.team_id, []).append(member.person.user)
    return leaders
