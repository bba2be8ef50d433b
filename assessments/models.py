"""Rubrics (data, per year), the per pairing × year summaries and the official grades."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aidtrack.core import scoping
from aidtrack.core.models import BaseModel, OrjsonField
from assessments.choices import GradeLevel, ScoringMethod


def _validate_year(value: int) -> None:
    if not 2000 <= value <= 2100:
        raise ValidationError(_("Enter a year between 2000 and 2100."), code="year")


class Rubric(BaseModel):
    """How a year's assessment is scored: indicators with weights, and grade thresholds.

    Provinces word and weigh things differently, so all of it is data that
    administrators edit; ``load_default_rubric`` writes a starting point.
    """

    year = models.PositiveSmallIntegerField(_("year"), unique=True, validators=[_validate_year])
    name = models.CharField(_("name"), max_length=200)
    note = models.TextField(_("note"), blank=True)

    scope_path = None  # shared by every pairing; administrators change it
    suggest_fields = ("name",)

    class Meta:
        verbose_name = _("rubric")
        verbose_name_plural = _("rubrics")
        ordering = ["-year"]

    def __str__(self):
        return f"{self.year} {self.name}"


class RubricItem(BaseModel):
    """One indicator of a rubric: its weight and how its points are computed."""

    rubric = models.ForeignKey(
        Rubric, verbose_name=_("rubric"), on_delete=models.CASCADE, related_name="items"
    )
    indicator = models.ForeignKey(
        "projects.Indicator",
        verbose_name=_("indicator"),
        on_delete=models.PROTECT,
        related_name="rubric_items",
    )
    weight = models.DecimalField(
        _("weight (points)"),
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_(
            "The points the indicator is worth at 100 % (the weights usually add up to 100)."
        ),
    )
    method = models.CharField(
        _("scoring method"),
        max_length=20,
        choices=ScoringMethod.choices,
        default=ScoringMethod.COMPLETION,
    )
    cap_percent = models.DecimalField(
        _("cap (%)"),
        max_digits=7,
        decimal_places=2,
        default=Decimal(100),
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal(1000))],
        help_text=_(
            "Completion: completion counted at most up to this percentage (e.g. 120). "
            "Growth: the growth that earns the full weight (e.g. 10)."
        ),
    )
    aggregate_descendants = models.BooleanField(
        _("include pairings below"),
        default=True,
        help_text=_("Count the records of the city, county and institution pairings below."),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    scope_path = None

    class Meta:
        verbose_name = _("rubric item")
        verbose_name_plural = _("rubric items")
        ordering = ["rubric", "order", "id"]
        constraints = [
            # An indicator may count twice, e.g. fiscal aid for completion and for growth.
            models.UniqueConstraint(
                fields=["rubric", "indicator", "method"],
                name="rubric_item_unique_indicator_method",
                violation_error_message=_(
                    "This rubric already scores this indicator with this method."
                ),
            ),
            models.CheckConstraint(
                condition=Q(weight__gt=0),
                name="rubric_item_weight_positive",
                violation_error_message=_("The weight must be positive."),
            ),
        ]

    def __str__(self):
        return f"{self.rubric.year} · {self.indicator.name_zh} · {self.weight}"


class GradeThreshold(BaseModel):
    """A grade and the lowest score that earns it (好 ≥ 90, 较好 ≥ 75 …)."""

    rubric = models.ForeignKey(
        Rubric, verbose_name=_("rubric"), on_delete=models.CASCADE, related_name="thresholds"
    )
    label = models.CharField(_("grade"), max_length=20, help_text=_("e.g. 好, 较好, 一般, 较差"))
    min_score = models.DecimalField(
        _("minimum score"), max_digits=7, decimal_places=2, validators=[MinValueValidator(0)]
    )
    order = models.PositiveSmallIntegerField(
        _("order"), default=0, help_text=_("1 for the best grade, 2 for the next …")
    )

    scope_path = None

    class Meta:
        verbose_name = _("grade threshold")
        verbose_name_plural = _("grade thresholds")
        ordering = ["rubric", "-min_score"]
        constraints = [
            models.UniqueConstraint(
                fields=["rubric", "label"],
                name="grade_threshold_unique_label",
                violation_error_message=_("This rubric already has this grade."),
            ),
            models.UniqueConstraint(
                fields=["rubric", "min_score"],
                name="grade_threshold_unique_score",
                violation_error_message=_("Another grade of this rubric starts at this score."),
            ),
        ]

    def __str__(self):
        return f"{self.label} ≥ {self.min_score}"


class PairingYearSummary(BaseModel):
    """A pairing's assessment for a year, as last computed from the source records.

    Pages and the API read these rows, never the raw tables. ``figures`` holds
    one entry per rubric indicator (see assessments.services for the keys);
    ``tiles`` the overview's headline numbers. A failed refresh leaves them
    as they were and records ``last_error``.
    """

    pairing = models.ForeignKey(
        "pairings.Pairing",
        verbose_name=_("pairing"),
        on_delete=models.CASCADE,
        related_name="assessment_summaries",
    )
    year = models.PositiveSmallIntegerField(_("year"), validators=[_validate_year])
    rubric = models.ForeignKey(
        Rubric,
        verbose_name=_("rubric"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    figures = OrjsonField(_("indicator figures"), default=list)
    tiles = OrjsonField(_("headline figures"), default=dict)
    # The pairing's map: {kind: [[county id, count], ...]} (assessments.maps.map_counts).
    map_points = OrjsonField(_("map points"), default=dict, editable=False)
    score = models.DecimalField(_("score"), max_digits=7, decimal_places=2, null=True, blank=True)
    grade = models.CharField(_("computed grade"), max_length=20, blank=True)
    refreshed_at = models.DateTimeField(_("refreshed at"), null=True, blank=True)
    last_error = models.TextField(_("last refresh error"), blank=True)
    last_failed_at = models.DateTimeField(_("last failed refresh"), null=True, blank=True)

    scope_path = "pairing"
    # Derived data, rewritten on every refresh: its history is the source records'.
    audit_changes = False

    class Meta:
        verbose_name = _("assessment summary")
        verbose_name_plural = _("assessment summaries")
        ordering = ["-year", "-score", "id"]
        constraints = [
            models.UniqueConstraint(fields=["pairing", "year"], name="pairing_year_summary_unique")
        ]

    def __str__(self):
        return f"{self.pairing} · {self.year}"

    @property
    def failed(self) -> bool:
        """Whether the latest refresh failed (the figures are those of the one before)."""
        return bool(self.last_failed_at) and (
            self.refreshed_at is None or self.last_failed_at > self.refreshed_at
        )


class OfficialGrade(BaseModel):
    """The grade the state or a province gave a pairing, as published.

    Entered by administrators only.
    """

    pairing = models.ForeignKey(
        "pairings.Pairing",
        verbose_name=_("pairing"),
        on_delete=models.PROTECT,
        related_name="official_grades",
    )
    year = models.PositiveSmallIntegerField(_("year"), validators=[_validate_year])
    level = models.CharField(_("assessed by"), max_length=20, choices=GradeLevel.choices)
    grade = models.CharField(_("grade"), max_length=20, help_text=_("e.g. 好, 较好, 一般, 较差"))
    document_reference = models.CharField(
        _("document reference"), max_length=200, help_text=_("The notice that published it.")
    )
    published_on = models.DateField(_("published on"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    scope_path = "pairing"
    # Published by the state and the provinces: coordinators read them for
    # their pairings, only administrators enter them.
    write_roles = scoping.ADMINISTRATORS
    # Anyone in scope may read it; only administrators enter or change it
    # (see assessments.views.AdministratorWritesMixin and api.py).
    administrators_write = True

    class Meta:
        verbose_name = _("official grade")
        verbose_name_plural = _("official grades")
        ordering = ["-year", "level", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["pairing", "year", "level"],
                name="official_grade_one_per_level",
                violation_error_message=_(
                    "This pairing already has an official grade at this level for this year."
                ),
            )
        ]

    def __str__(self):
        return f"{self.pairing} · {self.year} · {self.get_level_display()}: {self.grade}"


class RefreshRequest(models.Model):
    """A pairing-year whose records changed and whose summaries wait for a refresh.

    Written in the same transaction as the change (``INSERT … ON CONFLICT``),
    so a change that commits is never forgotten, whatever happens to the
    broker or the worker afterwards; deleted in the transaction that
    refreshes. ``requested_at`` is the latest change's time: a refresh
    removes only requests it has seen.
    """

    pairing_id = models.IntegerField(_("pairing"))
    year = models.PositiveSmallIntegerField(_("year"))
    requested_at = models.DateTimeField(_("requested at"))

    class Meta:
        verbose_name = _("summary refresh request")
        verbose_name_plural = _("summary refresh requests")
        constraints = [
            models.UniqueConstraint(fields=["pairing_id", "year"], name="refresh_request_unique")
        ]

    def __str__(self):
        return f"{self.pairing_id}/{self.year}"
