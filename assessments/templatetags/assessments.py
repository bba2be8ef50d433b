"""Helpers for the assessment pages."""

from django import template
from django.utils.translation import gettext_lazy as _

from aidtrack.core.languages import chinese_active
from projects.choices import IndicatorUnit

register = template.Library()

# The usual grade wordings (rubric thresholds are data, written in Chinese) in English.
_GRADE_WORDS = {"好": _("Good"), "较好": _("Fairly good"), "一般": _("Fair"), "较差": _("Poor")}

# Bootstrap colours for the usual grade labels; other wordings show neutral.
_GRADE_COLOURS = {"好": "success", "较好": "primary", "一般": "warning", "较差": "danger"}


@register.filter
def grade_colour(label) -> str:
    return _GRADE_COLOURS.get(label, "secondary")


@register.filter
def grade_label(label) -> str:
    """A grade as stored (好) in Chinese; in English its usual wording, else as stored."""
    if not label or chinese_active():
        return label
    return str(_GRADE_WORDS.get(label, label))


@register.filter
def unit_label(unit) -> str:
    """An indicator's unit as stored (人) in Chinese; in English its label ("people (人)")."""
    if not unit or chinese_active():
        return unit
    try:
        return str(IndicatorUnit(unit).label)
    except ValueError:
        return unit


@register.filter
def lookup(mapping, key):
    """``mapping[key]`` in a template (official grades by level)."""
    if not mapping:
        return None
    return mapping.get(key)


@register.filter
def signed(value) -> str:
    """A change with its sign: +12.5 / −3."""
    if value is None:
        return "—"
    text = f"{abs(value):.2f}".rstrip("0").rstrip(".")
    return f"+{text}" if value > 0 else (f"−{text}" if value < 0 else "0")
