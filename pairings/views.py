from django.db.models import Case, IntegerField, Value, When
from django.shortcuts import render
from django.views import View

from aidtrack.core.views import BrowserAccessMixin, ObjectViews
from pairings.choices import RegionLevel
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


SUGGESTION_LIMIT = 20
_LEVEL_ORDER = Case(
    *(When(level=level, then=Value(rank)) for rank, level in enumerate(RegionLevel.values)),
    output_field=IntegerField(),
)


class RegionSuggestView(BrowserAccessMixin, View):
    """Datalist options for the region picker: by code prefix or any part of the name."""

    def get(self, request):
        # htmx sends the input's own value under the field's name.
        query = (request.GET.get("q") or next(iter(request.GET.values()), "")).strip()
        regions = Region.objects.none()
        if query:
            code = query.split()[0]
            matches = (
                Region.objects.filter(code__startswith=code)
                if code.isdigit()
                else Region.objects.filter(full_name__contains=query)
            )
            regions = matches.order_by(_LEVEL_ORDER, "code")[:SUGGESTION_LIMIT]
        return render(request, "pairings/region_suggestions.html", {"regions": regions})
