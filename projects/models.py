"""Projects the pairings fund, the indicator catalogue and what is reported against it."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aidtrack.core import copies, scoping
from aidtrack.core.files import UPLOAD_HELP, safe_name, upload_path, validate_upload
from aidtrack.core.indexes import trigram_index
from aidtrack.core.languages import chinese_active, in_language
from aidtrack.core.models import BaseModel
from aidtrack.core.transitions import Transition, TransitionTable
from aidtrack.core.writes import Writes
from projects import pairing_copy
from projects.breakdown import breakdown_rows
from projects.choices import (
    Aggregation,
    IndicatorCategory,
    IndicatorUnit,
    NeedCategory,
    NeedPriority,
    NeedStatus,
    ProjectCategory,
    ProjectStatus,
    ReportStatus,
    ReviewAction,
)
from projects.validators import breakdown_errors

WHOLE_NUMBER_UNITS = frozenset(
    {
        IndicatorUnit.PEOPLE,
        IndicatorUnit.PERSON_TIMES,
        IndicatorUnit.COUNT,
        IndicatorUnit.ITEMS,
        IndicatorUnit.HOUSEHOLDS,
        IndicatorUnit.TIMES,
        IndicatorUnit.INSTITUTIONS,
        IndicatorUnit.ENTERPRISES,
        IndicatorUnit.OPERATIONS,
        IndicatorUnit.COURSES,
    }
)


class Indicator(BaseModel):
    """A countable outcome or assessment measure; the catalogue is data edited by administrators."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=150)
    import_lookups = ("code", "name_zh", "name_en")
    # Chosen by name; filters take the code (core.references).
    suggest_fields = ("code", "name_zh", "name_en")
    suggest_values = ("code",)
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
    computed = models.BooleanField(
        _("computed"),
        default=False,
        help_text=_("Computed from the records (funds, deployments …), not reported."),
    )
    breakdown_schema = models.JSONField(
        _("breakdown"),
        default=dict,
        blank=True,
        help_text=_(
            'Optional: {"parts": [...], "of_whom": [...]}. Parts divide the value '
            "(e.g. east / in_province / elsewhere); of-whom figures are subsets of it "
            "(e.g. formerly_poor)."
        ),
    )
    description = models.TextField(_("description"), blank=True)
    active = models.BooleanField(_("active"), default=True)

    scope_path = None  # reference data shared by every pairing

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["category", "code"]

    def __str__(self):
        if chinese_active():
            return f"{self.name_zh}({self.unit})"
        return f"{self.display_name} · {self.get_unit_display()}"

    @property
    def display_name(self) -> str:
        """The name in the interface's language (core.languages)."""
        return in_language(self.name_zh, self.name_en)

    @property
    def whole_numbers_only(self) -> bool:
        """Counts of people, items and places are whole; money, percentages and areas are not."""
        return self.unit in WHOLE_NUMBER_UNITS

    def clean(self):
        schema = self.breakdown_schema or {}
        if not isinstance(schema, dict) or set(schema) - {"parts", "of_whom"}:
            raise ValidationError(
                {"breakdown_schema": _('Use {"parts": [...], "of_whom": [...]} or leave empty.')}
            )
        for key in ("parts", "of_whom"):
            names = schema.get(key, [])
            if not isinstance(names, list) or not all(isinstance(n, str) and n for n in names):
                raise ValidationError(
                    {"breakdown_schema": _("“%(key)s” must be a list of names.") % {"key": key}}
                )

    def value_errors(self, value: Decimal) -> list[str]:
        """What is wrong with ``value`` for this indicator's unit."""
        if value < 0:
            return [_("A value of %(unit)s cannot be negative.") % {"unit": self.unit}]
        if self.unit == IndicatorUnit.PERCENT and value > 100:
            return [_("A percentage must lie between 0 and 100.")]
        if self.whole_numbers_only and value != value.to_integral_value():
            return [_("A value in %(unit)s must be a whole number.") % {"unit": self.unit}]
        return []


class Project(BaseModel):
    """A funded piece of work (帮扶项目) in the helped region of a pairing.

    Status changes are the transitions below, never the form.
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
    # Set by the services when the project is accepted or cancelled.
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True, editable=False)
    cancelled_on = models.DateField(_("cancelled on"), null=True, blank=True, editable=False)
    cancellation_reason = models.CharField(
        _("reason for cancellation"), max_length=300, blank=True, editable=False
    )

    scope_path = "pairing"
    # Codes are generated under a lock (see the service).
    writes = Writes(save="projects.services.project_save")
    # A sheet names a project by its code, or its name where that is unique.
    import_lookups = ("code", "name")
    suggest_fields = ("code", "name")
    transitions = TransitionTable(
        Transition(
            "approve",
            _("Approve project"),
            sources=(ProjectStatus.PLANNED,),
            target=ProjectStatus.APPROVED,
            service="projects.services.project_approve",
            help_text="Planned → approved (立项); needs a budget and planned dates.",
        ),
        Transition(
            "start",
            _("Start"),
            sources=(ProjectStatus.APPROVED,),
            target=ProjectStatus.IN_PROGRESS,
            service="projects.services.project_start",
            form="projects.forms.OptionalDateForm",
            help_text="Approved → in progress (`on`: the actual start, else the one recorded).",
        ),
        Transition(
            "complete",
            _("Completed"),
            sources=(ProjectStatus.IN_PROGRESS,),
            target=ProjectStatus.COMPLETED,
            service="projects.services.project_complete",
            form="projects.forms.OptionalDateForm",
            help_text="In progress → completed (`on`: the actual end, else the one recorded).",
        ),
        Transition(
            "accept",
            _("Accepted"),
            sources=(ProjectStatus.COMPLETED,),
            target=ProjectStatus.ACCEPTED,
            service="projects.services.project_accept",
            form="projects.forms.DateForm",
            help_text="Completed → accepted (验收) (`on`: the acceptance date).",
        ),
        Transition(
            "cancel",
            _("Cancel"),
            sources=(ProjectStatus.PLANNED, ProjectStatus.APPROVED, ProjectStatus.IN_PROGRESS),
            target=ProjectStatus.CANCELLED,
            service="projects.services.project_cancel",
            form="projects.forms.ReasonForm",
            help_text="Planned, approved or in progress → cancelled (`reason`).",
        ),
    )

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["-year", "code"]
        indexes = [
            models.Index(fields=["pairing", "year"]),
            # The projects list's default order, the id breaking ties (core.paging pages
            # by it), and the same within a pairing (``?pairing=``, a scoped coordinator).
            # It holds the pairing too: a coordinator's page, and the type-ahead's first
            # suggestions, pick their ids from this index alone (core.paging.reads_ids_first).
            models.Index(
                fields=["-year", "code", "id"], include=["pairing"], name="project_list_order_idx"
            ),
            models.Index(
                fields=["pairing", "-year", "code", "id"], name="project_pairing_order_idx"
            ),
            # A scope's id range, two probes per pairing (core.scoping.scope_id_bound).
            models.Index(fields=["pairing", "id"], name="project_pairing_id_idx"),
            # Found by any part of the name or code (the list's q, the navbar's search).
            trigram_index("name", "project_name_trgm"),
            trigram_index("code", "project_code_trgm"),
        ]
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

    # str() from columns alone: an export or API list names a project without loading one
    # (core.export_rows, core.api_rows).
    str_columns = ("code", "name")

    @staticmethod
    def str_of(code: str, name: str) -> str:
        return f"{code} {name}" if code else name

    def __str__(self):
        return self.str_of(self.code, self.name)

    summary_fields = (
        "pairing",
        "year",
        "region",  # the pairing dashboards' maps place projects by it
        "category",
        "status",
        "budget",
        "actual_start_date",
        "actual_end_date",
        "beneficiaries",
        "beneficiaries_formerly_poor",
    )

    def summary_keys(self):
        """Counted in its programme year, and as completed in the year it ended."""
        yield self.pairing_id, self.year
        if self.actual_end_date:
            yield self.pairing_id, self.actual_end_date.year

    ACTIVE_STATUSES = (ProjectStatus.APPROVED, ProjectStatus.IN_PROGRESS)
    CLOSED_STATUSES = (ProjectStatus.ACCEPTED, ProjectStatus.CANCELLED)

    @property
    def is_overdue(self) -> bool:
        """Approved or under way, and past its planned end."""
        return (
            self.status in self.ACTIVE_STATUSES
            and self.planned_end_date is not None
            and self.planned_end_date < timezone.localdate()
        )

    def locked_reason(self, user) -> str | None:
        """Accepted and cancelled projects are history; only administrators correct them."""
        if self.status in self.CLOSED_STATUSES and not user.is_administrator:
            return _("This project is %(status)s; only an administrator can change it.") % {
                "status": self.get_status_display()
            }
        return None

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


class ProgressUpdate(BaseModel):
    """How far a project has come on a day (进度); percent never goes back.

    Recorded through ``projects.services.progress_save`` which locks the
    project, so two people entering progress at once cannot interleave.
    """

    project = models.ForeignKey(
        Project,
        verbose_name=_("project"),
        on_delete=models.CASCADE,
        related_name="progress_updates",
    )
    date = models.DateField(_("date"))
    percent = models.PositiveSmallIntegerField(
        _("percent complete"), validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    note = models.TextField(_("note"), blank=True)
    # The project's, kept by a trigger (projects.pairing_copy): the scope without a join.
    pairing = copies.pairing_field()

    scope_path = "pairing"
    suggest_fields = ("project__code", "project__name")
    suggest_related = ("project",)
    writes = Writes(save="projects.services.progress_save")

    class Meta:
        verbose_name = _("progress update")
        verbose_name_plural = _("progress updates")
        ordering = ["project", "date"]
        indexes = [
            # The progress list's default order (ProgressUpdateTable: newest first; core.paging
            # pages by it), and each project's latest update (with_progress, on every
            # row of the projects list).
            # Holding the pairing: a coordinator's page picks its ids from this index alone.
            models.Index(
                fields=["-date", "id"], include=["pairing"], name="progress_list_order_idx"
            ),
            models.Index(fields=["project", "-date"], name="progress_latest_idx"),
            # A scope's id range, two probes per pairing (core.scoping.scope_id_bound).
            models.Index(fields=["pairing", "id"], name="progress_pairing_id_idx"),
            # A scoped partner's sync since a time: each pairing's changes read directly,
            # not the changed rows' bitmap intersected with the scope's (province: 7.6 ms).
            models.Index(fields=["pairing", "updated_at"], name="progress_pairing_updated_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(percent__lte=100),
                name="progress_percent_at_most_100",
                violation_error_message=_("The percent complete lies between 0 and 100."),
            ),
            models.UniqueConstraint(
                fields=["project", "date"],
                name="progress_one_per_project_day",
                violation_error_message=_("This project already has a progress update that day."),
            ),
        ]

    def __str__(self):
        return f"{self.project} · {self.date} · {self.percent}%"

    def locked_reason(self, user) -> str | None:
        return self.project.locked_reason(user) if self.project_id else None

    def clean(self):
        if not (self.project_id and self.date and self.percent is not None):
            return
        errors = {}
        project = self.project
        if self.date > timezone.localdate():
            errors["date"] = _("Progress cannot be recorded for a future day.")
        elif project.actual_start_date and self.date < project.actual_start_date:
            errors["date"] = _("The project started on %(start)s.") % {
                "start": project.actual_start_date
            }
        others = ProgressUpdate.objects.filter(project=project).exclude(pk=self.pk)
        before = others.filter(date__lt=self.date).order_by("-date").first()
        after = others.filter(date__gt=self.date).order_by("date").first()
        if before is not None and self.percent < before.percent:
            errors["percent"] = _("Progress cannot go back: it was %(percent)s%% on %(date)s.") % {
                "percent": before.percent,
                "date": before.date,
            }
        elif after is not None and self.percent > after.percent:
            errors["percent"] = _(
                "Progress cannot exceed the later update of %(date)s (%(percent)s%%)."
            ) % {"percent": after.percent, "date": after.date}
        if errors:
            raise ValidationError(errors)


class AttachmentBase(BaseModel):
    """A file with a title; type, content and size are checked on upload."""

    title = models.CharField(_("title"), max_length=200, blank=True)
    file = models.FileField(
        _("file"),
        upload_to=upload_path,
        max_length=255,
        validators=[validate_upload],
        help_text=UPLOAD_HELP,
    )
    size = models.PositiveIntegerField(_("size (bytes)"), default=0, editable=False)

    class Meta:
        abstract = True

    def __str__(self):
        return self.title or self.file.name.rsplit("/", 1)[-1]

    def save(self, *args, **kwargs):
        if self.file:
            self.size = self.file.size
            if not self.title:
                self.title = safe_name(self.file.name)
        super().save(*args, **kwargs)


class ProjectAttachment(AttachmentBase):
    """A document or photo of a project, optionally of one progress update."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="attachments"
    )
    progress_update = models.ForeignKey(
        ProgressUpdate,
        verbose_name=_("progress update"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attachments",
    )
    # The project's, kept by a trigger (projects.pairing_copy): the scope without a join.
    pairing = copies.pairing_field()

    scope_path = "pairing"

    class Meta:
        verbose_name = _("project attachment")
        verbose_name_plural = _("project attachments")
        ordering = ["project", "-created_at", "-id"]
        indexes = [
            # The list's order (projects.tables.ProjectAttachmentTable), holding the pairing:
            # a coordinator's page picks its ids from this index alone.
            models.Index(
                fields=["-created_at", "-id"],
                include=["pairing"],
                name="project_attachment_newest",
            ),
            # A scope's id range, two probes per pairing (core.scoping.scope_id_bound).
            models.Index(fields=["pairing", "id"], name="attachment_pairing_id_idx"),
        ]

    def locked_reason(self, user) -> str | None:
        return self.project.locked_reason(user) if self.project_id else None

    def clean(self):
        if (
            self.progress_update_id
            and self.project_id
            and self.progress_update.project_id != self.project_id
        ):
            raise ValidationError(
                {"progress_update": _("The progress update belongs to another project.")}
            )


class OutcomeReport(BaseModel):
    """A value reported for an indicator, a subject and a period (成效).

    The subject is a pairing or a project, never both. Only approved reports
    count; an approved report is locked until an administrator reopens it.
    Status changes are the transitions below.
    """

    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicator"), on_delete=models.PROTECT, related_name="reports"
    )
    pairing = models.ForeignKey(
        "pairings.Pairing",
        verbose_name=_("pairing"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="outcome_reports",
        help_text=_("The subject: a pairing, or else a project."),
    )
    project = models.ForeignKey(
        Project,
        verbose_name=_("project"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="outcome_reports",
    )
    # The pairing, or else the project's, kept by a trigger (projects.pairing_copy):
    # the scope as one indexed column.
    scope_pairing = pairing_copy.report_scope_field()
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    quarter = models.PositiveSmallIntegerField(
        _("quarter"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(4)],
        help_text=_("Empty for the whole year."),
    )
    month = models.PositiveSmallIntegerField(
        _("month"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text=_("Empty for the whole year; not together with a quarter."),
    )
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=2)
    breakdown = models.JSONField(
        _("breakdown"),
        default=dict,
        blank=True,
        help_text=_('e.g. {"east": 8000, "in_province": 3000, "elsewhere": 2000}'),
    )
    note = models.TextField(_("note"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ReportStatus.choices,
        default=ReportStatus.DRAFT,
        editable=False,
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, editable=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.SET_NULL,
        null=True,
        editable=False,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, editable=False)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        on_delete=models.SET_NULL,
        null=True,
        editable=False,
        related_name="+",
    )
    review_comment = models.CharField(
        _("review comment"), max_length=500, blank=True, editable=False
    )

    # A second report for the same period is a 409 naming the first (core.natural_keys).
    natural_keys = (("indicator", "pairing", "project", "year", "quarter", "month"),)

    transitions = TransitionTable(
        Transition(
            "submit",
            _("Submit for review"),
            sources=(ReportStatus.DRAFT, ReportStatus.RETURNED),
            target=ReportStatus.SUBMITTED,
            service="projects.services.report_submit",
            help_text="Draft or returned → submitted for review.",
        ),
        Transition(
            "approve",
            _("Approve"),
            sources=(ReportStatus.SUBMITTED,),
            target=ReportStatus.APPROVED,
            service="projects.services.report_approve",
            guard="projects.services.may_review",
            form="projects.forms.CommentForm",
            help_text="Submitted → approved (not by its submitter); it then counts and is locked.",
        ),
        Transition(
            "return",
            _("Return"),
            sources=(ReportStatus.SUBMITTED,),
            target=ReportStatus.RETURNED,
            service="projects.services.report_return",
            guard="projects.services.may_review",
            form="projects.forms.RequiredCommentForm",
            help_text="Submitted → returned, with a `comment` saying what to correct.",
        ),
        Transition(
            "reopen",
            _("Reopen"),
            sources=(ReportStatus.APPROVED,),
            target=ReportStatus.RETURNED,
            service="projects.services.report_reopen",
            form="projects.forms.ReasonForm",
            roles=scoping.ADMINISTRATORS,
            help_text="Approved → returned, by an administrator, with a `reason` (kept on record).",
        ),
    )
    # Who may review a report they submitted themselves (four eyes for everyone else).
    SELF_REVIEW_ROLES = scoping.ADMINISTRATORS

    @classmethod
    def self_review_allowed(cls, user) -> bool:
        return user.may(scoping.CHANGE, cls, roles=cls.SELF_REVIEW_ROLES)

    @classmethod
    def reviewable_by_q(cls, user) -> Q:
        """The reports ``user`` may decide, as a filter: not their own submissions
        (``projects.services.may_review`` for one report)."""
        return Q() if cls.self_review_allowed(user) else ~Q(submitted_by=user)

    class Meta:
        verbose_name = _("outcome report")
        verbose_name_plural = _("outcome reports")
        ordering = ["-year", "indicator", "id"]
        indexes = [
            models.Index(fields=["status", "year"]),
            # The list's order (projects.tables.OutcomeReportTable).
            models.Index(fields=["-year", "indicator", "id"], name="outcome_report_list_order"),
            # A scope's rows by id (the API's order).
            models.Index(fields=["scope_pairing", "id"], name="outcome_report_scope_id_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(pairing__isnull=True, project__isnull=False)
                | Q(pairing__isnull=False, project__isnull=True),
                name="outcome_report_one_subject",
                violation_error_message=_("Report on a pairing or on a project, not both."),
            ),
            models.CheckConstraint(
                condition=Q(quarter__isnull=True) | Q(month__isnull=True),
                name="outcome_report_quarter_or_month",
                violation_error_message=_("A period is a year, a quarter or a month, not both."),
            ),
            models.CheckConstraint(
                condition=Q(quarter__isnull=True) | Q(quarter__gte=1, quarter__lte=4),
                name="outcome_report_quarter_range",
                violation_error_message=_("The quarter is 1 to 4."),
            ),
            models.CheckConstraint(
                condition=Q(month__isnull=True) | Q(month__gte=1, month__lte=12),
                name="outcome_report_month_range",
                violation_error_message=_("The month is 1 to 12."),
            ),
            # Empty quarter/month and the empty subject side are equal here,
            # so a second report for the same whole year is a duplicate too.
            models.UniqueConstraint(
                fields=["indicator", "pairing", "project", "year", "quarter", "month"],
                nulls_distinct=False,
                name="outcome_report_unique_period",
                violation_error_message=_(
                    "This subject already has a report for this indicator and period."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.indicator.display_name} · {self.subject} · {self.period_label}"

    summary_fields = (
        "indicator",
        "pairing",
        "project",
        "year",
        "quarter",
        "month",
        "value",
        "breakdown",
        "status",
    )

    def summary_keys(self):
        pairing_id = self.pairing_id or (self.project.pairing_id if self.project_id else None)
        yield pairing_id, self.year

    # The change feed's scope (core.feed): the pairing, or the project's; a
    # project moving to another pairing takes its reports along.
    scope_keys_sql = (
        "ARRAY[coalesce({row}.pairing_id,"
        " (SELECT pairing_id FROM projects_project WHERE id = {row}.project_id))]"
    )
    scope_follows = ("project",)
    suggest_fields = ("indicator__name_zh", "project__name", "pairing__helped_region__name")
    suggest_related = (
        "indicator",
        "project",
        *(f"pairing__{side}" for side in ("helping_region", "helped_region")),
        *(f"pairing__{side}" for side in ("helping_organization", "helped_organization")),
    )
    scope_column = "scope_pairing"  # the column scope_q tests (core.scoping)

    @classmethod
    def scope_q(cls, pairing_ids) -> Q:
        """Reports on one of the pairings, or on a project of one of them.

        One column, ``scope_pairing`` (the pairing, or else the project's): an
        OR of the pairing and a semi-join over the scope's projects left the
        planner no index in the list's order.
        """
        return Q(scope_pairing__any_id=pairing_ids)

    @property
    def subject(self):
        return self.project if self.project_id else self.pairing

    @property
    def breakdown_rows(self) -> list[tuple[str, object]]:
        """The breakdown as (label, figure) rows in the indicator's order (分项 table)."""
        return breakdown_rows(self.breakdown, self.indicator.breakdown_schema)

    @property
    def subject_pairing_id(self) -> int | None:
        return self.project.pairing_id if self.project_id else self.pairing_id

    @property
    def period_label(self) -> str:
        if self.quarter:
            return f"{self.year} Q{self.quarter}"
        if self.month:
            return f"{self.year}-{self.month:02d}"
        return str(self.year)

    @property
    def period_end_month(self) -> int:
        """Which month the period ends in, to find the latest of several periods."""
        if self.quarter:
            return self.quarter * 3
        return self.month or 12

    @property
    def granularity(self) -> str:
        return "quarter" if self.quarter else "month" if self.month else "year"

    def locked_reason(self, user) -> str | None:
        if self.status == ReportStatus.APPROVED:
            return _("This report is approved and locked; an administrator can reopen it.")
        if self.status == ReportStatus.SUBMITTED:
            return _("This report is awaiting review; it can be changed once returned.")
        return None

    def clean(self):
        errors = {}
        if not self.pairing_id and not self.project_id:
            errors["pairing"] = _("Choose the pairing or the project the report is about.")
        elif self.pairing_id and self.project_id:
            errors["pairing"] = _("Report on a pairing or on a project, not both.")
        if self.quarter and self.month:
            errors["month"] = _("A period is a year, a quarter or a month, not both.")
        if self.indicator_id and self.value is not None:
            indicator = self.indicator
            if indicator.computed:
                errors["indicator"] = _(
                    "“%(indicator)s” is computed from the records and is not reported."
                ) % {"indicator": indicator.display_name}
            value_errors = indicator.value_errors(self.value)
            if value_errors:
                errors["value"] = value_errors
            breakdown_problems = breakdown_errors(
                self.breakdown,
                indicator.breakdown_schema or {},
                self.value,
                integer=indicator.whole_numbers_only,
            )
            if breakdown_problems:
                errors["breakdown"] = breakdown_problems
        if not errors and self.indicator_id and self.year:
            overlap = self._overlapping_report()
            if overlap is not None:
                errors["year"] = _(
                    "This subject already has a report for this indicator covering "
                    "%(period)s; periods of one year cannot overlap or mix years with "
                    "quarters or months."
                ) % {"period": overlap.period_label}
        if errors:
            raise ValidationError(errors)

    def _overlapping_report(self):
        """A report of the same subject, indicator and year whose period meets this one's.

        A year cannot be reported both whole and by quarter or month, or the
        sums would count it twice.
        """
        same = OutcomeReport.objects.filter(
            indicator_id=self.indicator_id,
            pairing_id=self.pairing_id,
            project_id=self.project_id,
            year=self.year,
        ).exclude(pk=self.pk)
        for other in same:
            if other.granularity != self.granularity or (
                other.quarter == self.quarter and other.month == self.month
            ):
                return other
        return None


class OutcomeReportReview(models.Model):
    """One step of a report's review: who submitted, approved, returned or reopened, and why."""

    report = models.ForeignKey(
        OutcomeReport, verbose_name=_("report"), on_delete=models.CASCADE, related_name="reviews"
    )
    action = models.CharField(_("action"), max_length=10, choices=ReviewAction.choices)
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)

    audit_changes = True

    class Meta:
        verbose_name = _("review step")
        verbose_name_plural = _("review steps")
        # By the report's id, not its order: "report" would join the report and its
        # indicator to sort a prefetch that only groups by report (API: 25 ms of 500 reports).
        ordering = ["report_id", "at", "id"]

    def __str__(self):
        return f"{self.get_action_display()} · {self.user} · {self.at:%Y-%m-%d %H:%M}"


class OutcomeEvidence(AttachmentBase):
    """A document or photo backing an outcome report."""

    report = models.ForeignKey(
        OutcomeReport, verbose_name=_("report"), on_delete=models.CASCADE, related_name="evidence"
    )
    # The report's scope pairing, kept by a trigger (projects.pairing_copy): the scope
    # without a join.
    pairing = copies.pairing_field()

    scope_path = "pairing"
    # Evidence is added only while its report is open (see the service).
    writes = Writes(save="projects.services.evidence_save")

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["report_id", "-created_at", "-id"]  # by id: as the review steps
        indexes = [
            # The list's order (projects.tables.OutcomeEvidenceTable).
            models.Index(fields=["-created_at", "-id"], name="outcome_evidence_newest"),
            # A scope's id range, two probes per pairing (core.scoping.scope_id_bound).
            models.Index(fields=["pairing", "id"], name="evidence_pairing_id_idx"),
        ]

    scope_keys_via = "report"  # the change feed's scope (core.feed)

    def locked_reason(self, user) -> str | None:
        return self.report.locked_reason(user) if self.report_id else None


class Need(BaseModel):
    """A need collected from the helped side (需求清单) and what answered it.

    Status changes are the transitions below.
    """

    pairing = models.ForeignKey(
        "pairings.Pairing",
        verbose_name=_("pairing"),
        on_delete=models.PROTECT,
        related_name="needs",
    )
    raised_by_region = models.ForeignKey(
        "pairings.Region",
        verbose_name=_("raised by (region)"),
        on_delete=models.PROTECT,
        related_name="needs",
        help_text=_("A township or county of the helped side."),
    )
    raised_by_department = models.CharField(
        _("raised by (department)"), max_length=200, blank=True, help_text=_("e.g. 县农业农村局")
    )
    collected_on = models.DateField(_("collected on"))
    category = models.CharField(_("category"), max_length=20, choices=NeedCategory.choices)
    description = models.TextField(_("description"))
    priority = models.CharField(
        _("priority"), max_length=10, choices=NeedPriority.choices, default=NeedPriority.MEDIUM
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=NeedStatus.choices,
        default=NeedStatus.OPEN,
        editable=False,
    )
    # What answered the need: a team, a deployment or a project.
    matched_team = models.ForeignKey(
        "cadres.Team",
        verbose_name=_("matched team"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="needs",
    )
    matched_deployment = models.ForeignKey(
        "cadres.Deployment",
        verbose_name=_("matched deployment"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="needs",
    )
    matched_project = models.ForeignKey(
        Project,
        verbose_name=_("matched project"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="needs",
    )
    matched_on = models.DateField(_("matched on"), null=True, blank=True, editable=False)
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True, editable=False)
    resolution_note = models.TextField(_("resolution note"), blank=True, editable=False)

    scope_path = "pairing"
    transitions = TransitionTable(
        Transition(
            "match",
            _("Match"),
            sources=(NeedStatus.OPEN, NeedStatus.MATCHED),
            target=NeedStatus.MATCHED,
            service="projects.services.need_match",
            form="projects.forms.NeedMatchForm",
            help_text="Open → matched to a `team`, `deployment` or `project` of the pairing "
            "(or one below).",
        ),
        Transition(
            "resolve",
            _("Resolved"),
            sources=(NeedStatus.MATCHED,),
            target=NeedStatus.RESOLVED,
            service="projects.services.need_resolve",
            form="projects.forms.NeedResolveForm",
            help_text="Matched → resolved (`on`, `note`).",
        ),
        Transition(
            "withdraw",
            _("Withdraw"),
            sources=(NeedStatus.OPEN, NeedStatus.MATCHED),
            target=NeedStatus.WITHDRAWN,
            service="projects.services.need_withdraw",
            form="projects.forms.ReasonForm",
            help_text="Open or matched → withdrawn (`reason`).",
        ),
    )

    class Meta:
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        ordering = ["-collected_on", "id"]
        indexes = [
            models.Index(fields=["pairing", "collected_on"]),
            # The list's default order (core.paging pages by it).
            models.Index(fields=["-collected_on", "id"], name="need_list_order_idx"),
            # A scope's id range, two probes per pairing (core.scoping.scope_id_bound).
            models.Index(fields=["pairing", "id"], name="need_pairing_id_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=NeedStatus.RESOLVED) | Q(resolved_on__isnull=False),
                name="need_resolved_has_date",
                violation_error_message=_("A resolved need has a resolution date."),
            ),
            models.CheckConstraint(
                condition=Q(resolved_on__isnull=True) | Q(resolved_on__gte=F("collected_on")),
                name="need_resolved_after_collected",
                violation_error_message=_("A need cannot be resolved before it was collected."),
            ),
        ]

    def __str__(self):
        return self.description[:40]

    summary_fields = ("pairing", "collected_on", "status", "resolved_on")

    def summary_keys(self):
        """Collected in one year, perhaps resolved in a later one."""
        if self.collected_on:
            yield self.pairing_id, self.collected_on.year
        if self.resolved_on:
            yield self.pairing_id, self.resolved_on.year

    def locked_reason(self, user) -> str | None:
        closed = self.status in (NeedStatus.RESOLVED, NeedStatus.WITHDRAWN)
        if closed and not user.is_administrator:
            return _("This need is %(status)s; only an administrator can change it.") % {
                "status": self.get_status_display()
            }
        return None

    def clean(self):
        if self.pairing_id and self.raised_by_region_id:
            helped = self.pairing.helped_region
            if not self.raised_by_region.is_within(helped):
                raise ValidationError(
                    {
                        "raised_by_region": _(
                            "The region must lie within the helped side (%(region)s)."
                        )
                        % {"region": helped.full_name}
                    }
                )
