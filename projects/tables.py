from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from aidtrack.core.tables import Column, Table
from pairings.models import Pairing
from projects.selectors import with_progress


class IndicatorTable(Table):
    columns = [
        Column("code", order_by="code", link=True),
        Column("name_zh", order_by="name_zh", link=True),
        Column("name_en", order_by="name_en"),
        Column("unit", order_by="unit"),
        Column("category", order_by="category"),
        Column("aggregation", order_by="aggregation"),
        Column("higher_is_better"),
        Column("computed", order_by="computed"),
        Column("active", order_by="active"),
    ]


class ProjectTable(Table):
    columns = [
        Column("code", order_by="code", link=True),
        Column("name", order_by="name", link=True),
        Column("pairing"),
        Column("region", order_by="region__code"),
        Column("category", order_by="category"),
        Column("year", order_by="year"),
        Column("status", order_by="status"),
        Column("budget", order_by="budget", money=True, total=Sum("budget")),
        Column("latest_progress", _("progress"), order_by="latest_progress", percent=True),
        Column("planned_end_date", order_by="planned_end_date"),
        Column("actual_end_date", order_by="actual_end_date"),
    ]
    select_related = ("region", *Pairing.name_related("pairing"))

    def prepare(self, queryset):
        return with_progress(super().prepare(queryset))


class ProgressUpdateTable(Table):
    columns = [
        Column("project", order_by="project__code", link=True),
        Column("date", order_by="date", link=True),
        Column("percent", order_by="percent", percent=True),
        Column("note"),
    ]
    select_related = ("project",)
    default_order = ("-date",)


class ProjectAttachmentTable(Table):
    columns = [
        Column("title", order_by="title", link=True),
        Column("project", order_by="project__code"),
        Column("progress_update"),
        Column("size", order_by="size"),
        Column("created_at", order_by="created_at"),
    ]
    # Newest first, from the table's own index (the model's order sorts by project first,
    # across a join: every row of the list sorted for a page of 25).
    default_order = ("-created_at", "-id")
    select_related = ("project", "progress_update__project")


class OutcomeReportTable(Table):
    columns = [
        Column("indicator", order_by="indicator__code", link=True),
        Column("subject", _("subject")),
        Column("period_label", _("period"), order_by="year"),
        Column("value", order_by="value"),
        Column("indicator__unit", _("unit")),
        Column("status", order_by="status"),
        Column("submitted_at", order_by="submitted_at"),
        Column("reviewed_at", order_by="reviewed_at"),
        Column("reviewed_by"),
    ]
    # The latest year first, each indicator's reports together, from the table's own index
    # (ordering by the indicator's category and code sorted every report for each page).
    default_order = ("-year", "indicator_id", "id")
    select_related = ("indicator", "project", "reviewed_by", *Pairing.name_related("pairing"))


class OutcomeEvidenceTable(Table):
    columns = [
        Column("title", order_by="title", link=True),
        Column("report", order_by="report__year"),
        Column("size", order_by="size"),
        Column("created_at", order_by="created_at"),
    ]
    default_order = ("-created_at", "-id")  # newest first, from the table's own index
    select_related = (
        "report__indicator",
        "report__project",
        *Pairing.name_related("report__pairing"),
    )


class NeedTable(Table):
    columns = [
        Column("description", order_by="description", link=True),
        Column("pairing"),
        Column("raised_by_region", order_by="raised_by_region__code"),
        Column("raised_by_department", order_by="raised_by_department"),
        Column("collected_on", order_by="collected_on"),
        Column("category", order_by="category"),
        Column("priority", order_by="priority"),
        Column("status", order_by="status"),
        Column("resolved_on", order_by="resolved_on"),
    ]
    select_related = ("raised_by_region", *Pairing.name_related("pairing"))
