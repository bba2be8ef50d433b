"""Money as Chinese reports write it: 万元 (10⁴ yuan) and 亿元 (10⁸ yuan)."""

import re
from decimal import ROUND_HALF_UP, Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext as _

WAN = Decimal(10_000)
YI = Decimal(100_000_000)


def format_money(yuan) -> str:
    """``504000000`` → ``5.04亿元``; ``1010000`` → ``101.00万元``; small sums in 元."""
    if yuan is None:
        return ""
    amount = Decimal(yuan)
    if abs(amount) >= YI:
        template, value = _("%(value)s hundred million yuan"), amount / YI
    elif abs(amount) >= WAN:
        template, value = _("%(value)s ten thousand yuan"), amount / WAN
    else:
        template, value = _("%(value)s yuan"), amount
    value = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return template % {"value": number_format(value, 2, force_grouping=True)}


def format_wan(yuan) -> str:
    """The figure in 万元 without its unit, for a column whose header names the unit."""
    if yuan is None:
        return ""
    value = (Decimal(yuan) / WAN).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return number_format(value, 2, force_grouping=True)


# "amount (yuan)", "金额（元）": a field's label naming the unit it is stored in.
_YUAN_IN_LABEL = re.compile(r"\s*[(（]\s*(?:yuan|元)\s*[)）]\s*$")


def without_unit(label) -> str:
    """A money field's label without "(yuan)": where the figure shown is not in yuan."""
    return _YUAN_IN_LABEL.sub("", str(label))


def in_wan(label) -> str:
    """The header of a column of 万元 figures: "amount (yuan)" → "amount (10,000 yuan)"."""
    return _("%(label)s (10,000 yuan)") % {"label": without_unit(label)}


def format_yuan(yuan) -> str:
    """The full amount, for the hover text beside a rounded figure."""
    if yuan is None:
        return ""
    amount = Decimal(yuan).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return _("%(value)s yuan") % {"value": number_format(amount, 2, force_grouping=True)}


def amount_input(field) -> None:
    """An amount typed in yuan shows itself in 万元 as it is typed (``static/js/aidtrack.js``).

    Reports and tables speak 万元 and forms take the exact yuan; the line under
    the box ("= 5,000.00万元") keeps the two from being confused by a factor of 10⁴.
    """
    field.widget.attrs["data-amount"] = "yuan"
    field.widget.attrs["data-amount-format"] = _("= %(value)s ten thousand yuan")
