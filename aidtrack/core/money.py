"""Money as Chinese reports write it: 万元 (10⁴ yuan) and 亿元 (10⁸ yuan)."""

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


def format_yuan(yuan) -> str:
    """The full amount, for the hover text beside a rounded figure."""
    if yuan is None:
        return ""
    amount = Decimal(yuan).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return _("%(value)s yuan") % {"value": number_format(amount, 2, force_grouping=True)}
