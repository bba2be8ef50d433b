from django.utils.translation import gettext_lazy as _

from aidtrack.core.tables import Column, Table


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
