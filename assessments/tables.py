from django.utils.translation import gettext_lazy as _

from aidtrack.core.tables import Column, Table
from pairings.models import Pairing


class RubricTable(Table):
    columns = [
        Column("year", order_by="year", link=True),
        Column("name", order_by="name", link=True),
        Column("note"),
    ]
    default_order = ("-year",)


class RubricItemTable(Table):
    columns = [
        Column("rubric", order_by="rubric__year", link=True),
        Column("indicator", order_by="indicator__code", link=True),
        Column("weight", order_by="weight"),
        Column("method", order_by="method"),
        Column("cap_percent", order_by="cap_percent"),
        Column("aggregate_descendants"),
        Column("order", order_by="order"),
    ]
    default_order = ("-rubric__year", "order")
    select_related = ("rubric", "indicator")


class GradeThresholdTable(Table):
    columns = [
        Column("rubric", order_by="rubric__year", link=True),
        Column("label", order_by="label", link=True),
        Column("min_score", order_by="min_score"),
        Column("order", order_by="order"),
    ]
    default_order = ("-rubric__year", "-min_score")
    select_related = ("rubric",)


class OfficialGradeTable(Table):
    columns = [
        Column("pairing", order_by="pairing__helping_region__code", link=True),
        Column("year", order_by="year", link=True),
        Column("level", order_by="level"),
        Column("grade", order_by="grade", link=True),
        Column("document_reference", _("document reference")),
        Column("published_on", order_by="published_on"),
    ]
    default_order = ("-year", "pairing__helping_region__code", "level")
    select_related = Pairing.name_related("pairing")
