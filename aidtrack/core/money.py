"""Money as readers write it: 万元 (10⁴) and 亿元 (10⁸) in Chinese, million and billion in English.

The scale words differ by language, not only the words: 5.04亿元 is
"504.00 million yuan", never "5.04 hundred million yuan". Each language's
scales are listed once here; every page and tag goes through ``format_money``.
"""

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


def format_yuan(yuan) -> str:
    """The full amount, for the hover text beside a rounded figure."""
    if yuan is None:
        return ""
    amount = Decimal(yuan).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return _("%(value)s yuan") % {"value": number_format(amount, 2, force_grouping=True)}
