from aidtrack.core.views import ObjectViews
from pairings.filters import PairingFilterSet, RegionFilterSet
from pairings.forms import PairingForm
from pairings.models import Pairing, Region
from pairings.tables import PairingTable, RegionTable


class RegionViews(ObjectViews):
    model = Region
    filterset_class = RegionFilterSet
    table_class = RegionTable
    detail_fields = ("code", "name", "level", "full_name")


class PairingViews(ObjectViews):
    model = Pairing
    filterset_class = PairingFilterSet
    table_class = PairingTable
    form_class = PairingForm
    detail_select_related = (
        "helping_region",
        "helped_region",
        "parent__helping_region",
        "parent__helped_region",
    )
