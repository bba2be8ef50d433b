from django.utils.translation import gettext_lazy as _

from aidtrack.core.tables import Column, Table
from pairings.models import Pairing


class PersonTable(Table):
    columns = [
        Column("name", order_by="name", link=True),
        Column("gender", order_by="gender"),
        Column("category", order_by="category"),
        Column("specialty", order_by="specialty"),
        Column("title", order_by="title"),
        Column("rank", order_by="rank"),
        Column("home_organization", order_by="home_organization__name"),
        Column("masked_id_number", _("ID number"), reads=("id_number",)),
        Column("masked_phone", _("phone"), reads=("phone",)),
    ]
    select_related = ("home_organization",)


class DeploymentTable(Table):
    columns = [
        Column("person", order_by="person__name", link=True),
        Column("post", order_by="post", link=True),
        Column("pairing"),
        Column("host_organization", order_by="host_organization__name"),
        Column("direction", order_by="direction"),
        Column("kind", order_by="kind"),
        Column("start_date", order_by="start_date"),
        Column("planned_end_date", order_by="planned_end_date"),
        Column("actual_end_date", order_by="actual_end_date"),
        Column("status", order_by="status"),
    ]
    select_related = (
        "person",
        "host_organization",
        *Pairing.name_related("pairing"),
    )


class TeamTable(Table):
    columns = [
        Column("name", order_by="name", link=True),
        Column("kind", order_by="kind"),
        Column("pairing"),
        Column("host_organization", order_by="host_organization__name"),
        Column("start_date", order_by="start_date"),
        Column("end_date", order_by="end_date"),
    ]
    select_related = ("host_organization", *Pairing.name_related("pairing"))


class TeamMemberTable(Table):
    columns = [
        Column("person", order_by="person__name", link=True),
        Column("team", order_by="team__name"),
        Column("role", order_by="role"),
        Column("subgroup", order_by="subgroup"),
        Column("joined_on", order_by="joined_on"),
        Column("left_on", order_by="left_on"),
    ]
    # The newest teams first, each team's members together, from the table's own index
    # (ordering by the team's start date sorted every member for each page).
    default_order = ("-team_id", "subgroup", "role", "id")
    leading_parent = "team"
    select_related = ("person", "team")


class CheckInTable(Table):
    columns = [
        Column("person", order_by="person__name", link=True),
        Column("date", order_by="date"),
        Column("slot", order_by="slot"),
        Column("state", order_by="state"),
        Column("note"),
        Column("recorded_at", order_by="recorded_at"),
        Column("updated_by", _("recorded by")),
    ]
    select_related = ("person", "updated_by")


class LeaveRequestTable(Table):
    columns = [
        Column("person", order_by="person__name", link=True),
        Column("team", order_by="team__name"),
        Column("start_date", order_by="start_date"),
        Column("end_date", order_by="end_date"),
        Column("reason"),
        Column("status", order_by="status"),
        Column("decided_by"),
        Column("decided_at", order_by="decided_at"),
    ]
    select_related = ("person", "team", "decided_by")


class MentorshipTable(Table):
    columns = [
        Column("mentor", order_by="mentor__name", link=True),
        Column("subject", order_by="subject"),
        Column("apprentice_count", _("apprentices")),
        Column("start_date", order_by="start_date"),
        Column("end_date", order_by="end_date"),
    ]
    select_related = ("mentor",)


class AwardTable(Table):
    columns = [
        Column("person", order_by="person__name", link=True),
        Column("title", order_by="title", link=True),
        Column("level", order_by="level"),
        Column("year", order_by="year"),
        Column("issuer", order_by="issuer"),
    ]
    select_related = ("person",)


class CareRecordTable(Table):
    columns = [
        Column("person", order_by="person__name", link=True),
        Column("kind", order_by="kind"),
        Column("date", order_by="date"),
        Column("note"),
        Column("follow_up_date", order_by="follow_up_date"),
    ]
    select_related = ("person",)
