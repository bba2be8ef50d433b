"""Checks on values reported against an indicator (uploads: aidtrack.core.files)."""

from decimal import Decimal

from django.utils.translation import gettext as _

from projects.breakdown import part_label


def breakdown_errors(breakdown, schema: dict, value: Decimal | None, *, integer: bool) -> list:
    """What is wrong with ``breakdown`` under an indicator's ``schema``.

    ``schema`` names the ``parts`` that divide the value (east / in-province /
    elsewhere) and the ``of_whom`` figures that are subsets of it (formerly
    poor): parts together, and each subset alone, cannot exceed the value.
    """
    if breakdown in (None, {}):
        return []
    if not isinstance(breakdown, dict):
        return [_("The breakdown must be an object of named figures.")]
    parts = list(schema.get("parts", ()))
    of_whom = list(schema.get("of_whom", ()))
    allowed = parts + of_whom
    unknown = sorted(set(breakdown) - set(allowed))
    if unknown:
        if not allowed:
            return [_("This indicator takes no breakdown.")]
        return [
            _("Unknown breakdown entries: %(unknown)s; allowed: %(allowed)s.")
            % {
                "unknown": ", ".join(unknown),
                "allowed": ", ".join(f"{key} ({part_label(key)})" for key in allowed),
            }
        ]
    figures = {}
    errors = []
    for key, raw in breakdown.items():
        try:
            figure = Decimal(str(raw))
        except ArithmeticError:
            errors.append(_("“%(key)s” is not a number.") % {"key": part_label(key)})
            continue
        if not figure.is_finite() or figure < 0:
            errors.append(_("“%(key)s” cannot be negative.") % {"key": part_label(key)})
        elif integer and figure != figure.to_integral_value():
            errors.append(_("“%(key)s” must be a whole number.") % {"key": part_label(key)})
        figures[key] = figure
    if errors or value is None:
        return errors
    parts_total = sum((figures[key] for key in parts if key in figures), Decimal(0))
    if parts_total > value:
        errors.append(
            _("The parts (%(parts)s) add up to %(total)s, more than the value %(value)s.")
            % {
                "parts": ", ".join(part_label(key) for key in parts),
                "total": parts_total,
                "value": value,
            }
        )
    for key in of_whom:
        if key in figures and figures[key] > value:
            errors.append(
                _("“%(key)s” (%(figure)s) cannot exceed the value %(value)s.")
                % {"key": part_label(key), "figure": figures[key], "value": value}
            )
    return errors
