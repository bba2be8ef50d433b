"""Seconded cadres and professional talents, their teams and their care."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aidtrack.core import copies, scoping
from aidtrack.core.indexes import trigram_index
from aidtrack.core.models import BaseModel
from aidtrack.core.transitions import Transition, TransitionTable
from cadres.choices import (
    MISSION_ROLES,
    SINGLE_HOLDER_ROLES,
    AwardLevel,
    CareKind,
    CheckInSlot,
    CheckInState,
    DeploymentKind,
    DeploymentStatus,
    Direction,
    Education,
    Gender,
    LeaveStatus,
    PersonCategory,
    PoliticalStatus,
    Specialty,
    TeamKind,
    TeamRole,
)
from cadres.masking import mask_id_number, mask_phone
from cadres.selectors import leading_memberships, membership_current_on, people_reached_by
from cadres.validators import id_number_birth_date, validate_id_number, validate_phone
from pairings.models import Organization, Pairing


class HomeOrganizationScope:
    """The scope of a person and of each record of theirs (core.scoping): the people whose
    home organisation lies within the user's pairings.

    A record tests its own copy of the person's home organisation
    (``home_organization``, aidtrack.core.copies), not the join to the person:
    with it the planner hash-joined every person in scope (a deep page, a
    capped count) or probed a person for each row of a list. ``scope_column``
    lets pages read the scope through a ``(home_organization, id)`` index where
    the model has one.
    """

    scope_column = "home_organization"

    @classmethod
    def scope_q(cls, pairing_ids) -> Q:
        return Organization.in_scope_q(cls.scope_column, pairing_ids)


class Person(HomeOrganizationScope, BaseModel):
    """A cadre or talent. ID number and phone are stored whole and shown masked."""

    name = models.CharField(_("name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices)
    birth_date = models.DateField(_("birth date"))
    ethnicity = models.CharField(_("ethnicity"), max_length=20, default="汉族")
    political_status = models.CharField(
        _("political status"), max_length=20, choices=PoliticalStatus.choices
    )
    education = models.CharField(_("education"), max_length=20, choices=Education.choices)
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[validate_phone])
    id_number = models.CharField(
        _("ID number"), max_length=18, unique=True, validators=[validate_id_number]
    )
    category = models.CharField(_("category"), max_length=10, choices=PersonCategory.choices)
    specialty = models.CharField(_("specialty"), max_length=20, choices=Specialty.choices)
    title = models.CharField(
        _("professional title"), max_length=50, blank=True, help_text=_("e.g. 主任医师, 副高")
    )
    rank = models.CharField(_("rank"), max_length=50, blank=True, help_text=_("e.g. 二级调研员"))
    home_organization = models.ForeignKey(
        "pairings.Organization",
        verbose_name=_("home organisation"),
        on_delete=models.PROTECT,
        related_name="people",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="person",
        help_text=_("Lets the person check in and follow reminders on their phone."),
    )

    # History records that these changed, never their values.
    audit_redact = ("id_number", "phone")
    # A sheet names a person by ID number (names repeat).
    import_lookups = ("id_number",)
    # Never by ID number or phone: a suggestion must not confirm a guessed number.
    suggest_fields = ("name",)
    suggest_related = ("home_organization",)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["name", "id"]
        indexes = [
            # The people list's default order (core.paging pages by it).
            models.Index(fields=["name", "id"], name="person_list_order_idx"),
            # Found by any part of the name (the list's q, the navbar's search).
            trigram_index("name", "person_name_trgm"),
        ]
        permissions = [
            (
                "reveal_personal_data",
                _("Can reveal ID numbers and phone numbers (each reveal is logged)"),
            )
        ]

    def __str__(self):
        return self.name

    @property
    def suggest_label(self) -> str:
        """Name and home organisation: two people of one name stay apart in a picker."""
        return f"{self.name}（{self.home_organization.name}）"

    summary_fields = ("category", "specialty", "birth_date")

    def summary_keys(self):
        """A new category or specialty moves the person between the figures of each term."""
        if self.pk is None:
            return
        for deployment in self.deployments.only(
            "pairing_id", "start_date", "planned_end_date", "actual_end_date"
        ):
            yield from deployment.summary_keys()

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    # The change feed's scope (core.feed): the home organisation's.
    scope_keys_via = "home_organization"

    @classmethod
    def own_q(cls, user) -> Q:
        """What a team member's account reads (core.scoping): themselves and whom they lead."""
        return Q(pk__in=people_reached_by(user))

    def unique_error_message(self, model_class, unique_check):
        """One neutral refusal for a taken ID number, whoever holds it and wherever.

        "Already exists" would confirm to a coordinator that someone outside
        their scope is recorded (and so seconded). ID numbers stay unique
        nationwide, so the write must be refused, and a refusal says the
        number cannot be registered; it says no more: the same text whether
        the holder is in the caller's scope or not, naming no person,
        organisation or pairing. An administrator can look the number up.
        """
        if tuple(unique_check) == ("id_number",):
            return ValidationError(
                _(
                    "This ID number cannot be registered here. If this person should be "
                    "recorded, ask an administrator."
                ),
                code="unique",
            )
        return super().unique_error_message(model_class, unique_check)

    def clean_fields(self, exclude=None):
        self.id_number = (self.id_number or "").strip().upper()
        self.phone = (self.phone or "").strip()
        super().clean_fields(exclude)

    def clean(self):
        birth = id_number_birth_date(self.id_number) if len(self.id_number) == 18 else None
        if birth and self.birth_date and birth != self.birth_date:
            raise ValidationError(
                {
                    "birth_date": _("The birth date does not match the ID number (%(date)s).")
                    % {"date": birth.isoformat()}
                }
            )


class PersonalDataReveal(models.Model):
    """Who saw a person's full ID number or phone, when and why."""

    class Field(models.TextChoices):
        ID_NUMBER = "id_number", _("ID number")
        PHONE = "phone", _("phone")

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="reveals"
    )
    field = models.CharField(_("field"), max_length=20, choices=Field.choices)
    reason = models.CharField(_("reason"), max_length=300)
    revealed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revealed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    revealed_at = models.DateTimeField(_("revealed at"), auto_now_add=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("personal data reveal")
        verbose_name_plural = _("personal data reveals")
        ordering = ["-revealed_at", "-id"]

    def __str__(self):
        return f"{self.person} · {self.get_field_display()} · {self.revealed_by}"


class Deployment(BaseModel):
    """A secondment (挂职/援派) of a person to a host organisation under a pairing.

    Status changes and extensions go through cadres.services, never the form.
    """

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="deployments"
    )
    pairing = models.ForeignKey(
        "pairings.Pairing",
        verbose_name=_("pairing"),
        on_delete=models.PROTECT,
        related_name="deployments",
    )
    direction = models.CharField(
        _("direction"), max_length=20, choices=Direction.choices, default=Direction.EAST_TO_WEST
    )
    kind = models.CharField(_("kind"), max_length=20, choices=DeploymentKind.choices)
    host_organization = models.ForeignKey(
        Organization,
        verbose_name=_("host organisation"),
        on_delete=models.PROTECT,
        related_name="hosted_deployments",
    )
    post = models.CharField(_("post"), max_length=200, help_text=_("e.g. 六枝特区乡村振兴局副局长"))
    start_date = models.DateField(_("start date"))
    planned_end_date = models.DateField(_("planned end date"))
    actual_end_date = models.DateField(_("actual end date"), null=True, blank=True, editable=False)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=DeploymentStatus.choices,
        default=DeploymentStatus.PLANNED,
        editable=False,
    )
    notes = models.TextField(_("notes"), blank=True)

    scope_path = "pairing"
    # A deployment changes years after it was entered (extended, ended, recalled), so
    # recent changes lie among old ids: an ``updated_since`` page reads the few changed
    # rows by id (core.api_defaults), through the (pairing, updated_at) index for a scope.
    changes_spread_over_ids = True
    suggest_fields = ("person__name", "post")
    suggest_related = ("person",)

    transitions = TransitionTable(
        Transition(
            "start",
            _("Arrived on post"),
            sources=(DeploymentStatus.PLANNED,),
            target=DeploymentStatus.ON_POST,
            service="cadres.services.deployment_start",
            form="cadres.forms.StartForm",
            help_text="Planned → on post (`on`: the arrival date).",
        ),
        Transition(
            "extend",
            _("Extend"),
            sources=(DeploymentStatus.PLANNED, DeploymentStatus.ON_POST),
            target=None,
            service="cadres.services.deployment_extend",
            form="cadres.forms.ExtendForm",
            help_text="A new planned end with its reason and approval reference.",
        ),
        Transition(
            "complete",
            _("Term completed"),
            sources=(DeploymentStatus.ON_POST,),
            target=DeploymentStatus.COMPLETED,
            service="cadres.services.deployment_complete",
            form="cadres.forms.CompleteForm",
            help_text="On post → completed (`on`: the return date).",
        ),
        Transition(
            "recall",
            _("Recall"),
            sources=(DeploymentStatus.ON_POST,),
            target=DeploymentStatus.RECALLED,
            service="cadres.services.deployment_recall",
            form="cadres.forms.RecallForm",
            help_text="On post → recalled (`on` and a `reason`).",
        ),
    )

    class Meta:
        verbose_name = _("deployment")
        verbose_name_plural = _("deployments")
        ordering = ["-start_date", "id"]
        indexes = [
            # The deployments list's default order (core.paging pages by it), and the
            # same within one pairing (the list filtered ``?pairing=``, a scoped coordinator).
            # Holding the pairing: a coordinator's page picks its ids from this index alone.
            models.Index(
                fields=["-start_date", "id"], include=["pairing"], name="deployment_list_order_idx"
            ),
            models.Index(
                fields=["pairing", "-start_date", "id"], name="deployment_pairing_order_idx"
            ),
            # Terms ending soon (dashboards, the hub, the reminder): the few on post,
            # by planned end, instead of a scan of every deployment ever made.
            models.Index(
                fields=["planned_end_date", "id"],
                condition=Q(status=DeploymentStatus.ON_POST),
                name="deployment_on_post_end_idx",
            ),
            # A scoped partner's sync: the ids of the scope's changes since a time, a
            # short range per pairing (changes_spread_over_ids). Without it PostgreSQL
            # walked the primary key testing each row (province: 95,000 rows to find 501).
            models.Index(fields=["pairing", "updated_at"], name="deployment_pairing_updated_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_end_date__gt=F("start_date")),
                name="deployment_planned_end_after_start",
                violation_error_message=_("The planned end must be after the start."),
            ),
            models.CheckConstraint(
                condition=Q(actual_end_date__isnull=True) | Q(actual_end_date__gte=F("start_date")),
                name="deployment_actual_end_after_start",
                violation_error_message=_("The actual end cannot be before the start."),
            ),
        ]

    def __str__(self):
        return f"{self.person} · {self.post}"

    @property
    def end_date(self):
        """When the person is (or was) free again: the actual end, else the planned one."""
        return self.actual_end_date or self.planned_end_date

    summary_fields = (
        "person",
        "pairing",
        "direction",
        "kind",
        "start_date",
        "planned_end_date",
        "actual_end_date",
        "status",
    )

    def summary_keys(self):
        """Every year of the term counts (people on post, deployments begun)."""
        if self.pairing_id and self.start_date and self.end_date:
            for year in range(self.start_date.year, self.end_date.year + 1):
                yield self.pairing_id, year

    def locked_reason(self, user) -> str | None:
        """Completed and recalled deployments are history; only administrators correct them."""
        ended = self.status in (DeploymentStatus.COMPLETED, DeploymentStatus.RECALLED)
        if ended and not user.is_administrator:
            return _("This deployment has ended; only an administrator can change it.")
        return None

    def clean(self):
        errors = {}
        if self.start_date and self.planned_end_date and self.planned_end_date <= self.start_date:
            errors["planned_end_date"] = _("The planned end must be after the start.")
        if self.pairing_id and self.host_organization_id:
            side = (
                self.pairing.helped_region
                if self.direction == Direction.EAST_TO_WEST
                else self.pairing.helping_region
            )
            if not self.host_organization.region.is_within(side):
                errors["host_organization"] = _(
                    "The host organisation must be on the %(side)s side (%(region)s)."
                ) % {
                    "side": _("helped")
                    if self.direction == Direction.EAST_TO_WEST
                    else _("helping"),
                    "region": side.full_name,
                }
        if self.person_id and self.start_date and self.planned_end_date and not errors:
            overlapping = self.overlapping_deployments().first()
            if overlapping is not None:
                errors["start_date"] = _(
                    "%(person)s is already deployed from %(start)s to %(end)s (%(post)s)."
                ) % {
                    "person": self.person,
                    "start": overlapping.start_date,
                    "end": overlapping.end_date,
                    "post": overlapping.post,
                }
        if errors:
            raise ValidationError(errors)

    def overlapping_deployments(self, end=None):
        """The person's other deployments whose period meets [start, end]."""
        end = end or self.end_date
        others = Deployment.objects.filter(person_id=self.person_id).exclude(pk=self.pk)
        return others.filter(start_date__lte=end).filter(
            Q(actual_end_date__gte=self.start_date)
            | Q(actual_end_date__isnull=True, planned_end_date__gte=self.start_date)
        )


class DeploymentExtension(BaseModel):
    """A term extended (延期): a deployment may be extended more than once."""

    deployment = models.ForeignKey(
        Deployment,
        verbose_name=_("deployment"),
        on_delete=models.CASCADE,
        related_name="extensions",
    )
    previous_end_date = models.DateField(_("previous planned end"))
    new_end_date = models.DateField(_("new planned end"))
    reason = models.CharField(_("reason"), max_length=300)
    approval_reference = models.CharField(_("approval reference"), max_length=100)

    scope_path = "deployment__pairing"

    class Meta:
        verbose_name = _("extension")
        verbose_name_plural = _("extensions")
        ordering = ["deployment", "new_end_date"]

    def __str__(self):
        return f"{self.deployment} → {self.new_end_date}"


def overlapping_period_q(start, end) -> Q:
    """Deployments whose period (to the actual end, else the planned one) meets [start, end].

    ``end`` None means open-ended.
    """
    condition = Q(actual_end_date__gte=start) | Q(
        actual_end_date__isnull=True, planned_end_date__gte=start
    )
    if end is not None:
        condition &= Q(start_date__lte=end)
    return condition


class Team(BaseModel):
    """A working group or a team-based support team (工作组, 组团式帮扶团队, 科技特派团)."""

    pairing = models.ForeignKey(
        "pairings.Pairing",
        verbose_name=_("pairing"),
        on_delete=models.PROTECT,
        related_name="teams",
    )
    kind = models.CharField(_("kind"), max_length=30, choices=TeamKind.choices)
    name = models.CharField(_("name"), max_length=200, help_text=_("e.g. 中山市前方工作组"))
    import_lookups = ("name",)
    host_organization = models.ForeignKey(
        Organization,
        verbose_name=_("host institution"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="hosted_teams",
        help_text=_("The school, hospital or body the team works in, on the helped side."),
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    scope_path = "pairing"
    suggest_fields = ("name",)

    # Teams count on the pairing dashboards' maps (assessments.maps.map_counts).
    summary_fields = ("pairing", "host_organization", "start_date", "end_date")

    def summary_keys(self):
        """Every year the team works in, up to this one while it has no end."""
        if self.pairing_id and self.start_date:
            last = (self.end_date or timezone.localdate()).year
            for year in range(self.start_date.year, max(last, self.start_date.year) + 1):
                yield self.pairing_id, year

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["-start_date", "name", "id"]
        indexes = [trigram_index("name", "team_name_trgm")]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="team_end_after_start",
                violation_error_message=_("The end date cannot be before the start date."),
            )
        ]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = _("The end date cannot be before the start date.")
        if self.pairing_id and self.host_organization_id:
            helped = self.pairing.helped_region
            if not self.host_organization.region.is_within(helped):
                errors["host_organization"] = _(
                    "The host institution must be on the helped side (%(region)s)."
                ) % {"region": helped.full_name}
        if errors:
            raise ValidationError(errors)

    @classmethod
    def own_q(cls, user) -> Q:
        """What a team member's account reads (core.scoping): the teams they lead or are in."""
        mine = TeamMember.objects.filter(person__user=user).filter(
            membership_current_on(timezone.localdate())
        )
        return Q(pk__in=leading_memberships(user).values("team")) | Q(pk__in=mine.values("team"))

    def is_active_on(self, day) -> bool:
        return self.start_date <= day and (self.end_date is None or self.end_date >= day)


class TeamMember(BaseModel):
    """A person's place in a team: role, sub-group (党政组, 医生组, 教师组) and period."""

    team = models.ForeignKey(
        Team, verbose_name=_("team"), on_delete=models.CASCADE, related_name="members"
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="team_memberships",
    )
    # The team's, kept by a trigger (aidtrack.core.copies): the scope without a join, and the
    # scope's id range for the API's deep pages (core.scoping.scope_id_bound).
    pairing = copies.pairing_field()
    role = models.CharField(
        _("role"), max_length=30, choices=TeamRole.choices, default=TeamRole.MEMBER
    )
    subgroup = models.CharField(
        _("sub-group"), max_length=50, blank=True, help_text=_("e.g. 党政干部组, 医生组, 教师组")
    )
    joined_on = models.DateField(
        _("joined on"), null=True, blank=True, help_text=_("Empty: from the team's start.")
    )
    left_on = models.DateField(
        _("left on"), null=True, blank=True, help_text=_("Empty: until the team's end.")
    )

    scope_path = "pairing"

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        ordering = ["team", "subgroup", "role", "id"]
        # The list's order (cadres.tables.TeamMemberTable).
        indexes = [
            models.Index(fields=["-team", "subgroup", "role", "id"], name="team_member_list_order"),
            # A scope's id range, two probes per pairing (core.scoping.scope_id_bound).
            models.Index(fields=["pairing", "id"], name="team_member_pairing_id_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "person"],
                name="team_member_once_per_team",
                violation_error_message=_("This person is already a member of the team."),
            ),
            # Leaders rotate: earlier holders have a left date, one holder is current.
            models.UniqueConstraint(
                fields=["team", "role"],
                condition=Q(role__in=SINGLE_HOLDER_ROLES, left_on__isnull=True),
                name="team_single_current_holder",
                violation_error_message=_(
                    "The team already has a current holder of this role; "
                    "enter the day the previous one left first."
                ),
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True)
                | Q(joined_on__isnull=True)
                | Q(left_on__gte=F("joined_on")),
                name="team_member_left_after_joined",
                violation_error_message=_("A member cannot leave before joining."),
            ),
        ]

    def __str__(self):
        return f"{self.person} · {self.get_role_display()}"

    @property
    def period_start(self):
        return self.joined_on or self.team.start_date

    @property
    def period_end(self):
        return self.left_on or self.team.end_date

    def clean(self):
        errors = {}
        if self.joined_on and self.left_on and self.left_on < self.joined_on:
            errors["left_on"] = _("A member cannot leave before joining.")
        if self.team_id:
            team = self.team
            if self.joined_on and self.joined_on < team.start_date:
                errors["joined_on"] = _("The team only starts on %(start)s.") % {
                    "start": team.start_date
                }
            if self.left_on and team.end_date and self.left_on > team.end_date:
                errors["left_on"] = _("The team ends on %(end)s.") % {"end": team.end_date}
            if self.role in MISSION_ROLES and team.kind != TeamKind.SCIENCE_MISSION:
                errors["role"] = _(
                    "Only a science and technology mission has technical and administrative heads."
                )
            if self.person_id and not errors and not self._deployed_or_local_head():
                errors["person"] = _(
                    "%(person)s has no deployment under %(pairing)s (or a pairing below it) "
                    "between %(start)s and %(end)s."
                ) % {
                    "person": self.person,
                    "pairing": team.pairing,
                    "start": self.period_start,
                    "end": self.period_end or "…",
                }
        if errors:
            raise ValidationError(errors)

    def _deployed_or_local_head(self) -> bool:
        # A mission's administrative head is usually a county leader on the helped
        # side (e.g. a deputy party secretary), who is not deployed anywhere.
        if (
            self.role == TeamRole.ADMINISTRATIVE_HEAD
            and self.person.home_organization.region.is_within(self.team.pairing.helped_region)
        ):
            return True
        return self.covering_deployments().exists()

    def covering_deployments(self):
        """The person's deployments under the team's pairing tree during the membership."""
        pairing_ids = Pairing.objects.descendant_ids([self.team.pairing_id])
        return Deployment.objects.filter(
            person_id=self.person_id, pairing_id__in=pairing_ids
        ).filter(overlapping_period_q(self.period_start, self.period_end))


class CheckIn(HomeOrganizationScope, BaseModel):
    """A 两安两好 report: “早安,身体好” in the morning, “晚安,身体好” in the evening."""

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="check_ins"
    )
    # The person's, kept by a trigger (aidtrack.core.copies): the scope without a join.
    home_organization = copies.home_organization_field()
    date = models.DateField(_("date"))
    slot = models.CharField(_("slot"), max_length=10, choices=CheckInSlot.choices)
    state = models.CharField(
        _("state"), max_length=20, choices=CheckInState.choices, default=CheckInState.WELL
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        ordering = ["-date", "-slot", "id"]
        indexes = [
            # The check-ins list's default order (core.paging pages by it).
            models.Index(fields=["-date", "-slot", "id"], name="checkin_list_order_idx"),
            # A small scope's capped count (core.paging) reads its 10,001 rows here, not
            # 20x as many in a sequential scan (cadres 0008).
            models.Index(fields=["home_organization", "id"], name="checkin_home_org_id_idx"),
            # A scoped partner's sync: the scope's changes since a time, a short range per
            # organisation. Without it PostgreSQL intersected the changed rows' bitmap with
            # the scope's 135,000 entries (city coordinator: 9 ms to find 518 rows).
            models.Index(
                fields=["home_organization", "updated_at"], name="checkin_home_org_updated_idx"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "date", "slot"],
                name="check_in_once_per_slot",
                violation_error_message=_(
                    "This person has already checked in for this slot on this day."
                ),
            )
        ]

    def __str__(self):
        return (
            f"{self.person} · {self.date} · {self.get_slot_display()} · {self.get_state_display()}"
        )

    scope_keys_via = "person"  # the change feed's scope (core.feed)

    @property
    def on_behalf(self) -> bool:
        """Recorded (代报) by someone other than the person: a team leader, a coordinator.

        ``updated_by`` is who made the check-in as it stands (a later tap
        replaces it, so a member's own correction is theirs again). Reads
        ``person``: load it with the check-in.
        """
        return self.updated_by_id is not None and self.updated_by_id != self.person.user_id

    @classmethod
    def own_q(cls, user) -> Q:
        """What a team member's account reads (core.scoping): their own and their team's."""
        return Q(person__in=people_reached_by(user))

    def clean(self):
        if self.date and self.date > timezone.localdate():
            raise ValidationError({"date": _("A check-in cannot be recorded for a future day.")})


class CheckInReminder(models.Model):
    """That a missing check-in was reminded: each person, day and slot at most once."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    slot = models.CharField(max_length=10, choices=CheckInSlot.choices)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "date", "slot"], name="check_in_reminder_once"
            )
        ]

    def __str__(self):
        return f"{self.person_id} · {self.date} · {self.slot}"


class LeaveRequest(BaseModel):
    """Leave from a team (请假), decided by its leader; decisions go through services."""

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="leave_requests"
    )
    team = models.ForeignKey(
        Team, verbose_name=_("team"), on_delete=models.PROTECT, related_name="leave_requests"
    )
    # The team's, kept by a trigger (aidtrack.core.copies): through the join to the team, a
    # city coordinator's list probed a team for each of 5,000 rows to find its 100.
    pairing = copies.pairing_field()
    start_date = models.DateField(_("first day"))
    end_date = models.DateField(_("last day"))
    reason = models.CharField(_("reason"), max_length=300)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=LeaveStatus.choices,
        default=LeaveStatus.PENDING,
        editable=False,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True, editable=False)
    decision_comment = models.CharField(
        _("decision comment"), max_length=300, blank=True, editable=False
    )

    scope_path = "pairing"

    # Team leaders decide, whatever their account's role (often a read-only
    # team member's): the steps are reached for reading, and the guard and
    # the service ask ``may_decide_leave``.
    transitions = TransitionTable(
        Transition(
            "approve",
            _("Approve"),
            sources=(LeaveStatus.PENDING,),
            target=LeaveStatus.APPROVED,
            service="cadres.services.leave_request_approve",
            form="cadres.forms.LeaveDecisionForm",
            action=scoping.VIEW,
            guard="cadres.services.may_decide_leave",
            help_text="Pending → approved (optional `comment`).",
        ),
        Transition(
            "reject",
            _("Reject"),
            sources=(LeaveStatus.PENDING,),
            target=LeaveStatus.REJECTED,
            service="cadres.services.leave_request_reject",
            form="cadres.forms.LeaveDecisionForm",
            action=scoping.VIEW,
            guard="cadres.services.may_decide_leave",
            help_text="Pending → rejected (a `comment` saying why is required).",
        ),
    )

    class Meta:
        verbose_name = _("leave request")
        verbose_name_plural = _("leave requests")
        ordering = ["-start_date", "id"]
        # The list's default order (core.paging pages by it).
        indexes = [
            models.Index(fields=["-start_date", "id"], name="leaverequest_list_order_idx"),
            # A scope's id range, two probes per pairing (core.scoping.scope_id_bound).
            models.Index(fields=["pairing", "id"], name="leave_request_pairing_id_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="leave_end_after_start",
                violation_error_message=_("The last day cannot be before the first day."),
            )
        ]

    def __str__(self):
        return f"{self.person} · {self.start_date} – {self.end_date}"

    @classmethod
    def own_q(cls, user) -> Q:
        """What a team member's account reads (core.scoping): their own and their team's."""
        return Q(person__user=user) | Q(team__in=leading_memberships(user).values("team"))

    def locked_reason(self, user) -> str | None:
        """A decided request is a record; only administrators correct it."""
        if self.status != LeaveStatus.PENDING and not user.is_administrator:
            return _("This leave request has been decided; only an administrator can change it.")
        return None

    def clean(self):
        errors = {}
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = _("The last day cannot be before the first day.")
        if (
            self.person_id
            and self.team_id
            and not TeamMember.objects.filter(
                team_id=self.team_id, person_id=self.person_id
            ).exists()
        ):
            errors["person"] = _("%(person)s is not a member of %(team)s.") % {
                "person": self.person,
                "team": self.team,
            }
        if errors:
            raise ValidationError(errors)


class Mentorship(HomeOrganizationScope, BaseModel):
    """师带徒: a deployed expert and the local staff they train.

    “Train a team that cannot be taken away”: apprentices are local staff, not
    deployed people, so they are kept as text rows (name, unit).
    """

    mentor = models.ForeignKey(
        Person, verbose_name=_("mentor"), on_delete=models.PROTECT, related_name="mentorships"
    )
    # The mentor's, kept by a trigger (aidtrack.core.copies): the scope without a join.
    home_organization = copies.home_organization_field()
    subject = models.CharField(
        _("field taught"), max_length=100, blank=True, help_text=_("e.g. 心内科介入")
    )
    apprentices = models.TextField(
        _("apprentices"),
        help_text=_("One apprentice per line: name, then unit, e.g. 王小明,水城区人民医院"),
    )
    goals = models.TextField(_("goals"), blank=True)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)

    class Meta:
        verbose_name = _("mentorship")
        verbose_name_plural = _("mentorships")
        ordering = ["-start_date", "id"]
        indexes = [
            # The list's default order (core.paging pages by it).
            models.Index(fields=["-start_date", "id"], name="mentorship_list_order_idx"),
            # A coordinator's capped count reads the rows of their scope's organisations
            # here (scoping.scope_ordered), not the whole table filtered by 2,069 ids.
            models.Index(fields=["home_organization", "id"], name="mentorship_home_org_id_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="mentorship_end_after_start",
                violation_error_message=_("The end date cannot be before the start date."),
            )
        ]

    def __str__(self):
        return f"{self.mentor} · {self.subject or _('mentorship')}"

    scope_keys_via = "mentor"  # the change feed's scope (core.feed)

    @property
    def apprentice_rows(self) -> list[tuple[str, str]]:
        return apprentice_rows(self.apprentices)

    @property
    def apprentice_count(self) -> int:
        return len(self.apprentice_rows)

    def clean(self):
        errors = {}
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = _("The end date cannot be before the start date.")
        rows = self.apprentice_rows
        if not rows:
            errors["apprentices"] = _("Name at least one apprentice.")
        else:
            missing_unit = [name for name, unit in rows if not unit]
            if missing_unit:
                errors["apprentices"] = _(
                    "Give the unit of each apprentice after a comma: %(names)s."
                ) % {"names": "、".join(missing_unit)}
        if errors:
            raise ValidationError(errors)


_APPRENTICE_SEPARATORS = re.compile(r"[,\uff0c、\t]")  # ASCII or full-width comma, 、 or tab


def apprentice_rows(text: str) -> list[tuple[str, str]]:
    """``[(name, unit), …]`` from a mentorship's apprentices, one apprentice a line."""
    rows = []
    for line in text.splitlines():
        parts = [part.strip() for part in _APPRENTICE_SEPARATORS.split(line.strip(), 1)]
        if parts[0]:
            rows.append((parts[0], parts[1] if len(parts) > 1 else ""))
    return rows


def _validate_year(value: int) -> None:
    if not 2000 <= value <= 2100:
        raise ValidationError(_("Enter a year between 2000 and 2100."), code="year")


class Award(HomeOrganizationScope, BaseModel):
    """Recognition, e.g. 粤黔协作工作突出个人 or 担当作为先进个人."""

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="awards"
    )
    # The person's, kept by a trigger (aidtrack.core.copies): the scope without a join.
    home_organization = copies.home_organization_field()
    title = models.CharField(_("title"), max_length=200, help_text=_("e.g. 粤黔协作工作突出个人"))
    level = models.CharField(_("level"), max_length=20, choices=AwardLevel.choices)
    year = models.PositiveSmallIntegerField(_("year"), validators=[_validate_year])
    issuer = models.CharField(_("issued by"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("award")
        verbose_name_plural = _("awards")
        ordering = ["-year", "id"]
        indexes = [
            # The list's default order (core.paging pages by it).
            models.Index(fields=["-year", "id"], name="award_list_order_idx"),
            # A coordinator's capped count reads the rows of their scope's organisations
            # here (scoping.scope_ordered), not the whole table filtered by 2,069 ids.
            models.Index(fields=["home_organization", "id"], name="award_home_org_id_idx"),
        ]

    def __str__(self):
        return f"{self.person} · {self.title} ({self.year})"

    scope_keys_via = "person"  # the change feed's scope (core.feed)


class CareRecord(HomeOrganizationScope, BaseModel):
    """Care for a deployed person: health checks, insurance, family support, follow-ups."""

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="care_records"
    )
    # The person's, kept by a trigger (aidtrack.core.copies): the scope without a join.
    home_organization = copies.home_organization_field()
    kind = models.CharField(_("kind"), max_length=20, choices=CareKind.choices)
    date = models.DateField(_("date"))
    note = models.TextField(_("note"), blank=True)
    follow_up_date = models.DateField(_("follow-up date"), null=True, blank=True)

    class Meta:
        verbose_name = _("care record")
        verbose_name_plural = _("care records")
        ordering = ["-date", "id"]
        indexes = [
            # The list's default order (core.paging pages by it).
            models.Index(fields=["-date", "id"], name="carerecord_list_order_idx"),
            # A coordinator's capped count reads the rows of their scope's organisations
            # here (scoping.scope_ordered), not the whole table filtered by 2,069 ids.
            models.Index(fields=["home_organization", "id"], name="carerecord_home_org_id_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(follow_up_date__isnull=True) | Q(follow_up_date__gte=F("date")),
                name="care_follow_up_after_date",
                violation_error_message=_("The follow-up cannot be before the record's date."),
            )
        ]

    def __str__(self):
        return f"{self.person} · {self.get_kind_display()} · {self.date}"

    scope_keys_via = "person"  # the change feed's scope (core.feed)

    def clean(self):
        if self.date and self.follow_up_date and self.follow_up_date < self.date:
            raise ValidationError(
                {"follow_up_date": _("The follow-up cannot be before the record's date.")}
            )
