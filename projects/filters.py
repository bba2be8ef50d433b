import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aidtrack.core.filters import (
    AmountFilter,
    IdFilter,
    MonthFilter,
    QuarterFilter,
    ScopedFilterSet,
    YearFilter,
    reference_widget,
)
from pairings.filters import pairing_tree_filter
from pairings.models import Region
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
)
from projects.models import (
    Indicator,
    Need,
    OutcomeEvidence,
    OutcomeReport,
    ProgressUpdate,
    Project,
    ProjectAttachment,
)


class _PairingTreeFilterSet(ScopedFilterSet):
    """``?pairing=<id>`` matches the pairing and every pairing below it, as the figures do."""

    pairing = pairing_tree_filter("pairing")


class IndicatorFilterSet(ScopedFilterSet):
    search_fields = ("code", "name_zh", "name_en")

    category = django_filters.ChoiceFilter(choices=IndicatorCategory.choices, label=_("category"))
    unit = django_filters.ChoiceFilter(choices=IndicatorUnit.choices, label=_("unit"))
    aggregation = django_filters.ChoiceFilter(choices=Aggregation.choices, label=_("aggregation"))
    computed = django_filters.BooleanFilter(label=_("computed"))
    active = django_filters.BooleanFilter(label=_("active"))

    class Meta:
        model = Indicator
        fields = ["q", "category", "unit", "aggregation", "computed", "active"]


class ProjectFilterSet(_PairingTreeFilterSet):
    # A dashboard figure over several years links here with ``from_year`` (core.filters).
    year_range_filters = ("year", "completed_in")
    search_fields = ("code", "name", "village", "description")

    region = django_filters.CharFilter(
        method="filter_region",
        label=_("region (incl. regions inside)"),
        widget=reference_widget("pairings.Region", "code"),
    )
    category = django_filters.ChoiceFilter(choices=ProjectCategory.choices, label=_("category"))
    status = django_filters.ChoiceFilter(choices=ProjectStatus.choices, label=_("status"))
    year = YearFilter(label=_("programme year"))
    completed_in = YearFilter(method="filter_completed_in", label=_("completed in year"))
    budget_min = AmountFilter(field_name="budget", lookup_expr="gte", label=_("budget from (yuan)"))
    budget_max = AmountFilter(
        field_name="budget", lookup_expr="lte", label=_("budget up to (yuan)")
    )
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("overdue"))
    parent = IdFilter(field_name="parent", label=_("parent project"), model="projects.Project")

    class Meta:
        model = Project
        fields = [
            "q",
            "pairing",
            "region",
            "category",
            "status",
            "year",
            "completed_in",
            "budget_min",
            "budget_max",
            "overdue",
            "parent",
        ]

    def filter_region(self, queryset, name, value):
        region = Region.objects.filter(code=value.strip()).first()
        if region is None:
            return queryset.none()
        return queryset.filter(region.subtree_q("region"))

    def filter_completed_in(self, queryset, name, value):
        """What ``projects_completed`` counts, for the figure's drill-down."""
        return queryset.filter(
            status__in=(ProjectStatus.COMPLETED, ProjectStatus.ACCEPTED),
            actual_end_date__year=value,
        )

    def filter_overdue(self, queryset, name, value):
        overdue = Q(status__in=Project.ACTIVE_STATUSES, planned_end_date__lt=timezone.localdate())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)


class ProgressUpdateFilterSet(ScopedFilterSet):
    search_fields = ("note", "project__name", "project__code")

    project = IdFilter(field_name="project", label=_("project"), model="projects.Project")
    pairing = pairing_tree_filter("pairing")  # the row's copy of its project's: no join
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte", label=_("from"))
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte", label=_("until"))

    class Meta:
        model = ProgressUpdate
        fields = ["q", "project", "pairing", "date_from", "date_to"]


class ProjectAttachmentFilterSet(ScopedFilterSet):
    search_fields = ("title", "project__name", "project__code")

    project = IdFilter(field_name="project", label=_("project"), model="projects.Project")
    progress_update = IdFilter(
        field_name="progress_update", label=_("progress update"), model="projects.ProgressUpdate"
    )

    class Meta:
        model = ProjectAttachment
        fields = ["q", "project", "progress_update"]


class OutcomeReportFilterSet(_PairingTreeFilterSet):
    """``?pairing=`` covers reports on the pairings and on their projects."""

    # A dashboard figure over several years links here with ``from_year`` (core.filters).
    year_range_filters = ("year",)

    search_fields = ("indicator__code", "indicator__name_zh", "note")
    # The report's pairing, or else its project's, as one column (projects.pairing_copy).
    pairing = pairing_tree_filter("scope_pairing")

    indicator = django_filters.CharFilter(
        field_name="indicator__code",
        label=_("indicator"),
        widget=reference_widget("projects.Indicator", "code"),
    )
    indicator_category = django_filters.ChoiceFilter(
        field_name="indicator__category",
        choices=IndicatorCategory.choices,
        label=_("indicator category"),
    )
    project = IdFilter(field_name="project", label=_("project"), model="projects.Project")
    year = YearFilter(label=_("year"))
    quarter = QuarterFilter(label=_("quarter"))
    month = MonthFilter(label=_("month"))
    status = django_filters.ChoiceFilter(choices=ReportStatus.choices, label=_("status"))

    class Meta:
        model = OutcomeReport
        fields = [
            "q",
            "pairing",
            "project",
            "indicator",
            "indicator_category",
            "year",
            "quarter",
            "month",
            "status",
        ]


class OutcomeEvidenceFilterSet(ScopedFilterSet):
    search_fields = ("title",)

    report = IdFilter(
        field_name="report", label=_("outcome report"), model="projects.OutcomeReport"
    )

    class Meta:
        model = OutcomeEvidence
        fields = ["q", "report"]


class NeedFilterSet(_PairingTreeFilterSet):
    # A dashboard figure over several years links here with ``from_year`` (core.filters).
    year_range_filters = ("year",)
    search_fields = ("description", "raised_by_department", "resolution_note")

    region = django_filters.CharFilter(
        method="filter_region",
        label=_("region (incl. regions inside)"),
        widget=reference_widget("pairings.Region", "code"),
    )
    category = django_filters.ChoiceFilter(choices=NeedCategory.choices, label=_("category"))
    priority = django_filters.ChoiceFilter(choices=NeedPriority.choices, label=_("priority"))
    status = django_filters.ChoiceFilter(choices=NeedStatus.choices, label=_("status"))
    year = YearFilter(field_name="collected_on__year", label=_("year collected"))
    project = IdFilter(field_name="matched_project", label=_("project"), model="projects.Project")

    class Meta:
        model = Need
        fields = ["q", "pairing", "region", "category", "priority", "status", "year", "project"]

    def filter_region(self, queryset, name, value):
        region = Region.objects.filter(code=value.strip()).first()
        if region is None:
            return queryset.none()
        return queryset.filter(region.subtree_q("raised_by_region"))
