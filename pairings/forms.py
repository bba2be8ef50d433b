from aidtrack.core.forms import ScopedModelForm
from pairings.models import Pairing


class PairingForm(ScopedModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Each choice shows both sides' names.
        parent = self.fields["parent"]
        parent.queryset = parent.queryset.select_related("helping_region", "helped_region")

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
