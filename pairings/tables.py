from aidtrack.core.tables import Column, Table


class RegionTable(Table):
    columns = [
        Column("code", order_by="code", link=True),
        Column("name", order_by="name"),
        Column("level", order_by="level"),
        Column("full_name"),
    ]
    default_order = ("code",)


class PairingTable(Table):
    columns = [
        Column("helping_region", order_by="helping_region__code", link=True),
        Column("helped_region", order_by="helped_region__code", link=True),
        Column("programme", order_by="programme"),
        Column("level", order_by="level"),
        Column("parent"),
        Column("start_date", order_by="start_date"),
        Column("end_date", order_by="end_date"),
        Column("status", order_by="status"),
    ]
    default_order = ("helping_region__code", "helped_region__code", "start_date")
    select_related = (
        "helping_region",
        "helped_region",
        "parent__helping_region",
        "parent__helped_region",
    )
