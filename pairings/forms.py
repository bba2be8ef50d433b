from aidtrack.core.forms import ScopedModelForm
from pairings.models import Pairing


class PairingForm(ScopedModelForm):
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
