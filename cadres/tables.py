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
        Column("masked_id_number", _("ID number")),
        Column("masked_phone", _("phone")),
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
