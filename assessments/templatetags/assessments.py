"""Helpers for the assessment pages."""

from django import template

register = template.Library()

# Bootstrap colours for the usual grade labels; other wordings show neutral.
_GRADE_COLOURS = {"好": "success", "较好": "primary", "一般": "warning", "较差": "danger"}


@register.filter
def grade_colour(label) -> str:
    return _GRADE_COLOURS.get(label, "secondary")


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
