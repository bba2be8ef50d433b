"""Money as readers write it: 万元 (10⁴) and 亿元 (10⁸) in Chinese, million and billion in English.

The scale words differ by language, not only the words: 5.04亿元 is
"504.00 million yuan", never "5.04 hundred million yuan". Each language's
scales are listed once here; every page and tag goes through ``format_money``.
"""

import re
from decimal import ROUND_HALF_UP, Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aidtrack.core.languages import chinese_active

WAN = Decimal(10_000)
YI = Decimal(100_000_000)
MILLION = Decimal(1_000_000)
BILLION = Decimal(1_000_000_000)

# (the smallest amount written with the scale, the scale, how it is written), largest first.
_CHINESE_SCALES = (
    (YI, YI, gettext_lazy("%(value)s hundred million yuan")),
    (WAN, WAN, gettext_lazy("%(value)s ten thousand yuan")),
)
_WESTERN_SCALES = (
    (BILLION, BILLION, gettext_lazy("%(value)s billion yuan")),
    (MILLION, MILLION, gettext_lazy("%(value)s million yuan")),
)


def _scales():
    return _CHINESE_SCALES if chinese_active() else _WESTERN_SCALES


def format_money(yuan) -> str:
    """``504000000`` → ``5.04亿元`` / ``504.00 million yuan``; small sums in 元 / yuan."""
    if yuan is None:
        return ""
    amount = Decimal(yuan)
    template, value = _("%(value)s yuan"), amount
    for smallest, scale, written in _scales():
        if abs(amount) >= smallest:
            template, value = str(written), amount / scale
            break
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
