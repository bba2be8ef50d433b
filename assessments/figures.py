"""An indicator figure in the one form a summary stores and the API publishes.

The refresh writes each figure through ``figure_stored``: the serializer's
fields, each number a string with two decimals (``"316.00"``, as DRF writes
a ``DecimalField``). The API then hands the stored figures out as they are,
so a page of 500 summaries does not write its 8,000 figures again, field by
field; the pages read the same strings as Decimals
(``selectors.summary_present``).
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from aidtrack.core.api_rows import class_row_function


class IndicatorFigureSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    name_en = serializers.CharField()
    unit = serializers.CharField()
    category = serializers.CharField()
    method = serializers.CharField()
    weight = serializers.DecimalField(max_digits=6, decimal_places=2)
    cap_percent = serializers.DecimalField(max_digits=7, decimal_places=2)
    actual = serializers.DecimalField(max_digits=20, decimal_places=2, allow_null=True)
    target = serializers.DecimalField(max_digits=20, decimal_places=2, allow_null=True)
    completion = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    previous = serializers.DecimalField(max_digits=20, decimal_places=2, allow_null=True)
    change = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    points = serializers.DecimalField(max_digits=7, decimal_places=2)
    url = serializers.CharField(
        allow_null=True, help_text=_("The list of records behind the figure.")
    )


# The figure's numbers, which the pages read as Decimals (selectors.summary_present).
FIGURE_NUMBERS = tuple(
    name
    for name, field in IndicatorFigureSerializer().fields.items()
    if isinstance(field, serializers.DecimalField)
)


def figure_stored(values: dict) -> dict:
    """``values`` (Decimals or strings, None where there is none) in the published form."""
    return class_row_function(IndicatorFigureSerializer)(values)
