from django.utils.translation import gettext_lazy as _

from aidtrack.core.tables import Column, Table
from pairings.models import Pairing


class RegionTable(Table):
    columns = [
        Column("code", order_by="code", link=True),
        Column("name", order_by="name"),
        Column("level", order_by="level"),
        Column("full_name"),
    ]
    default_order = ("code",)


class OrganizationTable(Table):
    columns = [
        Column("name", order_by="name", link=True),
        Column("kind", order_by="kind"),
        Column("region__full_name", _("region"), order_by="region__code"),
        Column("credit_code", order_by="credit_code"),
    ]
    select_related = ("region",)


class PairingTable(Table):
    columns = [
        Column("helping_region", order_by="helping_region__code", link=True),
        Column("helping_organization", order_by="helping_organization__name", link=True),
        Column("helped_region", order_by="helped_region__code", link=True),
        Column("helped_organization", order_by="helped_organization__name", link=True),
        Column("programme", order_by="programme"),
        Column("level", order_by="level"),
        Column("parent"),
        Column("start_date", order_by="start_date"),
        Column("end_date", order_by="end_date"),
        Column("status", order_by="status"),
    ]
    default_order = Pairing.DISPLAY_ORDER
    select_related = Pairing.name_related() + Pairing.name_related("parent")


class AgreementTable(Table):
    columns = [
        Column("pairing", order_by="pairing__helping_region__code", link=True),
        Column("year", order_by="year", link=True),
        Column("title"),
        Column("signed_on", order_by="signed_on"),
        Column("reference", order_by="reference"),
    ]
    default_order = ("-year", "pairing__helping_region__code")
    select_related = Pairing.name_related("pairing")


class AgreementTargetTable(Table):
    columns = [
        Column("agreement", order_by="agreement__year", link=True),
        Column("indicator_code", order_by="indicator_code", link=True),
        Column("indicator_name", order_by="indicator_name"),
        Column("target", order_by="target"),
        Column("unit"),
    ]
    select_related = Pairing.name_related("agreement__pairing")
