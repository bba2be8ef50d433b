"""An outcome report's breakdown (分项) as people read and type it.

An indicator's ``breakdown_schema`` names its parts with stable keys
(``{"parts": ["east", …], "of_whom": ["formerly_poor"]}``); the API and the
stored JSON keep those keys. People see them through ``part_label``: labelled
numeric inputs on the form (``BreakdownField``) and a labelled table on the
report's page (``breakdown_rows``), never the JSON.
"""

from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext_lazy as _

# The parts the catalogue uses (projects.catalogue); a key without a label
# here (an administrator's own) is shown as it is written.
PART_LABELS = {
    "east": _("Employed in the eastern provinces"),
    "in_province": _("Employed within the province"),
    "elsewhere": _("Employed elsewhere"),
    "formerly_poor": _("Of whom formerly poor"),
}


def part_label(key: str) -> str:
    return str(PART_LABELS.get(key, key))


def schema_keys(schema: dict | None) -> list[str]:
    """The schema's keys in reading order: the parts, then the "of whom" figures."""
    schema = schema or {}
    return [*schema.get("parts", ()), *schema.get("of_whom", ())]


def breakdown_rows(breakdown: dict | None, schema: dict | None) -> list[tuple[str, object]]:
    """``(label, figure)`` for each entry, in the schema's order, then any other key."""
    breakdown = breakdown or {}
    order = schema_keys(schema)
    keys = [key for key in order if key in breakdown]
    keys += sorted(key for key in breakdown if key not in order)
    return [(part_label(key), breakdown[key]) for key in keys]


class BreakdownInput(forms.Widget):
    """One labelled number box per part; each shown only while its indicator is chosen.

    ``parts`` is ``[(key, [indicator ids taking it])]``, set by the form from the
    indicators it offers; ``static/js/aidtrack.js`` hides the boxes the chosen
    indicator does not take (``data-breakdown-for``).
    """

    template_name = "projects/widgets/breakdown_input.html"

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.parts: list[tuple[str, list[int]]] = []
        self.indicator_field = "indicator"

    def value_from_datadict(self, data, files, name):
        return {
            key: data.get(f"{name}_{key}", "").strip()
            for key, _indicators in self.parts
            if data.get(f"{name}_{key}", "").strip()
        }

    def value_omitted_from_data(self, data, files, name):
        return False

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        values = value if isinstance(value, dict) else {}
        base_id = context["widget"]["attrs"].get("id", name)
        context["widget"]["parts"] = [
            {
                "name": f"{name}_{key}",
                "id": f"{base_id}_{key}",
                "label": part_label(key),
                "value": values.get(key, ""),
                "indicators": " ".join(str(pk) for pk in indicators),
            }
            for key, indicators in self.parts
        ]
        context["widget"]["indicator_field"] = self.indicator_field
        return context


class BreakdownField(forms.Field):
    """The figures typed in the boxes, as the stored dict (whole numbers stay whole)."""

    widget = BreakdownInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def set_parts(self, indicators) -> None:
        """Offer the parts of ``indicators`` (those with a breakdown schema)."""
        parts: dict[str, list[int]] = {}
        for indicator in indicators:
            for key in schema_keys(indicator.breakdown_schema):
                parts.setdefault(key, []).append(indicator.pk)
        self.widget.parts = list(parts.items())

    def prepare_value(self, value):
        return value if isinstance(value, dict) else {}

    def to_python(self, value):
        if not value:
            return {}
        if not isinstance(value, dict):
            raise forms.ValidationError(_("Enter the breakdown in the boxes."), code="invalid")
        figures = {}
        for key, raw in value.items():
            try:
                figure = Decimal(str(raw).replace(",", ""))
            except InvalidOperation:
                figure = None
            if figure is None or not figure.is_finite():
                raise forms.ValidationError(
                    _("“%(part)s” is not a number.") % {"part": part_label(key)}, code="invalid"
                )
            figures[key] = int(figure) if figure == figure.to_integral_value() else float(figure)
        return figures

    def has_changed(self, initial, data):
        try:
            return (initial or {}) != self.to_python(data)
        except forms.ValidationError:
            return True
