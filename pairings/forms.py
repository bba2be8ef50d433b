from django.utils.translation import gettext_lazy as _

from aidtrack.core.forms import ScopedModelForm
from pairings.fields import RegionField
from pairings.models import Pairing


class PairingForm(ScopedModelForm):
    helping_region = RegionField(label=_("helping side"))
    helped_region = RegionField(label=_("helped side"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Each choice shows both sides' names.
        parent = self.fields["parent"]
        parent.queryset = parent.queryset.select_related(
            "helping_region", "helped_region"
        ).order_by("helping_region__code", "helped_region__code", "start_date")

    class Meta:
        model = Pairing
        fields = [
            "helping_region",
            "helped_region",
            "programme",
            "level",
            "parent",
            "start_date",
            "end_date",
            "status",
            "notes",
        ]
