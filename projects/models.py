"""Projects the pairings fund, the indicator catalogue and what is reported against it."""

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from aidtrack.core.models import BaseModel
from projects.choices import (
    Aggregation,
    IndicatorCategory,
    IndicatorUnit,
    ProjectCategory,
    ProjectStatus,
)


class Indicator(BaseModel):
    """A countable outcome or assessment measure; the catalogue is data edited by administrators."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=150)
    unit = models.CharField(_("unit"), max_length=10, choices=IndicatorUnit.choices)
    category = models.CharField(_("category"), max_length=20, choices=IndicatorCategory.choices)
    aggregation = models.CharField(
        _("aggregation"),
        max_length=10,
        choices=Aggregation.choices,
        default=Aggregation.SUM,
        help_text=_("How values of several periods or subjects combine."),
    )
    higher_is_better = models.BooleanField(_("higher is better"), default=True)
    description = models.TextField(_("description"), blank=True)
    active = models.BooleanField(_("active"), default=True)

    scope_path = None  # reference data shared by every pairing

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["category", "code"]

    def __str__(self):
        return f"{self.name_zh}({self.unit})"


class Project(BaseModel):
    """A funded piece of work (帮扶项目) in the helped region of a pairing.

    Status changes go through projects.services, never the form.
    """

    code = models.CharField(
        _("code"),
        max_length=40,
        unique=True,
        blank=True,
        help_text=_("Left empty, a code is generated from the pairing and year."),
    )
    name = models.CharField(_("name"), max_length=200)
    pairing = models.ForeignKey(
        "pairings.Pairing",
        verbose_name=_("pairing"),
        on_delete=models.PROTECT,
        related_name="projects",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent project"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    region = models.ForeignKey(
        "pairings.Region",
        verbose_name=_("location"),
        on_delete=models.PROTECT,
        related_name="projects",
        help_text=_("County or township in the helped region."),
    )
    village = models.CharField(_("village"), max_length=100, blank=True)
    category = models.CharField(_("category"), max_length=30, choices=ProjectCategory.choices)
    year = models.PositiveSmallIntegerField(
        _("programme year"), validators=[MinValueValidator(2000)]
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ProjectStatus.choices,
        default=ProjectStatus.PLANNED,
        editable=False,
    )
    planned_start_date = models.DateField(_("planned start"), null=True, blank=True)
    planned_end_date = models.DateField(_("planned end"), null=True, blank=True)
    actual_start_date = models.DateField(_("actual start"), null=True, blank=True)
    actual_end_date = models.DateField(_("actual end"), null=True, blank=True)
    budget = models.DecimalField(
        _("budget (yuan)"),
        max_digits=16,
        decimal_places=2,
        validators=[MinValueValidator(0)],
        default=0,
    )
    beneficiaries = models.PositiveIntegerField(_("beneficiaries"), default=0)
    beneficiaries_formerly_poor = models.PositiveIntegerField(_("of whom formerly poor"), default=0)
    lead_organization = models.ForeignKey(
        "pairings.Organization",
        verbose_name=_("lead organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_projects",
        help_text=_("On the helping side."),
    )
    implementing_organization = models.ForeignKey(
        "pairings.Organization",
        verbose_name=_("implementing organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="implemented_projects",
    )
    description = models.TextField(_("description"), blank=True)

    scope_path = "pairing"

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["-year", "code"]
        indexes = [models.Index(fields=["pairing", "year"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(beneficiaries_formerly_poor__lte=F("beneficiaries")),
                name="project_formerly_poor_within_beneficiaries",
                violation_error_message=_(
                    "The formerly poor beneficiaries cannot outnumber all beneficiaries."
                ),
            ),
            models.CheckConstraint(
                condition=Q(planned_end_date__isnull=True)
                | Q(planned_start_date__isnull=True)
                | Q(planned_end_date__gte=F("planned_start_date")),
                name="project_planned_end_after_start",
                violation_error_message=_("The planned end cannot be before the planned start."),
            ),
            models.CheckConstraint(
                condition=Q(actual_end_date__isnull=True)
                | Q(actual_start_date__isnull=True)
                | Q(actual_end_date__gte=F("actual_start_date")),
                name="project_actual_end_after_start",
                violation_error_message=_("The actual end cannot be before the actual start."),
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.name}" if self.code else self.name

    def clean(self):
        errors = {}
        if self.pairing_id and self.region_id:
            helped = self.pairing.helped_region
            if not self.region.is_within(helped):
                errors["region"] = _(
                    "The location must lie within the helped side (%(region)s)."
                ) % {"region": helped.full_name}
        if self.parent_id and self.pairing_id and self.parent.pairing_id != self.pairing_id:
            errors["parent"] = _("The parent project must belong to the same pairing.")
        if self.parent_id and self.pk and self.parent_id == self.pk:
            errors["parent"] = _("A project cannot be its own parent.")
        if self.lead_organization_id and self.pairing_id:
            helping = self.pairing.helping_region
            if not self.lead_organization.region.is_within(helping):
                errors["lead_organization"] = _(
                    "The lead organisation must be on the helping side (%(region)s)."
                ) % {"region": helping.full_name}
        if errors:
            raise ValidationError(errors)
