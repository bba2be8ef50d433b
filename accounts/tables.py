from aidtrack.core.tables import Column, Table


class UserTable(Table):
    columns = [
        Column("username", order_by="username", link=True),
        Column("full_name", order_by="full_name"),
        Column("role", order_by="role"),
        Column("organization_name", order_by="organization_name"),
        Column("is_active", order_by="is_active"),
        Column("last_login", order_by="last_login"),
    ]
    default_order = ("username",)
