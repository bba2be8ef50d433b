"""Seconded cadres and professional talents."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from aidtrack.core.models import BaseModel
from cadres.choices import (
    DeploymentKind,
    DeploymentStatus,
    Direction,
    Education,
    Gender,
    PersonCategory,
    PoliticalStatus,
    Specialty,
)
from cadres.masking import mask_id_number, mask_phone
from cadres.validators import id_number_birth_date, validate_id_number, validate_phone
from pairings.models import Organization


class Person(BaseModel):
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

    # History records that these changed, never their values.
    audit_redact = ("id_number", "phone")

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["name", "id"]
        permissions = [
            (
                "reveal_personal_data",
                _("Can reveal ID numbers and phone numbers (each reveal is logged)"),
            )
        ]

    def __str__(self):
        return self.name

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @classmethod
    def scope_q(cls, pairing_ids) -> Q:
        """People whose home organisation is within the user's pairings."""
        in_scope = Organization.objects.filter(Organization.scope_q(pairing_ids))
        return Q(home_organization__in=in_scope)

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

    class Meta:
        verbose_name = _("deployment")
        verbose_name_plural = _("deployments")
        ordering = ["-start_date", "id"]
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
