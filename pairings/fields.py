"""Choosing a region among 44,000 without sending 44,000 options to the browser."""

import re

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from pairings.models import Region

_LEADING_CODE = re.compile(r"^\s*(\d{9}|\d{6})\b")


class RegionInput(forms.TextInput):
    """A text box whose suggestions come from the server as the user types (htmx)."""

    template_name = "pairings/widgets/region_input.html"

    def __init__(self, attrs=None):
        super().__init__(
            {
                "autocomplete": "off",
                "placeholder": _("Type a code or part of a name, e.g. 442000 or 中山"),
                **(attrs or {}),
            }
        )

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["suggest_url"] = reverse_lazy("pairings:region_suggest")
        return context


class RegionField(forms.ModelChoiceField):
    """Accepts "442000", "442000 广东省 › 中山市" or the code of a township."""

    widget = RegionInput
    default_error_messages = {
        "invalid_choice": _(
            "No region with this code. Pick one of the suggestions or type a 6- or 9-digit code."
        ),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Region.objects.all())
        super().__init__(to_field_name="code", **kwargs)

    def prepare_value(self, value):
        if isinstance(value, Region):
            return value.label
        if isinstance(value, int):
            region = Region.objects.filter(pk=value).first()
            return region.label if region else value
        return value

    def to_python(self, value):
        if isinstance(value, int):
            # A disabled field cleans its initial value, the region's primary key.
            region = self.queryset.filter(pk=value).first()
            if region is None:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice"
                )
            return region
        if isinstance(value, str):
            match = _LEADING_CODE.match(value)
            value = match.group(1) if match else value.strip()
        return super().to_python(value)
