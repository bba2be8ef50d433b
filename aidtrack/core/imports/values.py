"""Cell values as people write them, turned into what the models store.

Each function takes what ``reading`` hands on (None, text, int, Decimal,
date, datetime, time, bool, ``Formula``) and returns the value, or None for
a blank cell, or raises ``ValueError`` with a message in the user's language
that says what was expected. What people write in Chinese sheets is
accepted: full-width digits and letters (１２３, ＡＢ), the ideographic space,
2023年5月1日, amounts in 元 or 万元 with ¥ and thousands separators, 是/否.

A formula is never a value: its result is not known (nothing is evaluated),
so every function refuses it with a message that asks for the value.
"""

import re
import unicodedata
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import override

from aidtrack.core.imports.excel_values import excel_datetime
from aidtrack.core.imports.sheet import Formula
from aidtrack.core.money import WAN

CENT = Decimal("0.01")
# Spaces at either end, those Python knows (the ideographic space, NBSP …) and
# the invisible ones pasted from web pages and Word (zero-width, BOM).
_EDGE_SPACES = re.compile(r"^[\s\u200b\ufeff]+|[\s\u200b\ufeff]+$")
_ALL_SPACES = re.compile(r"[\s\u200b\ufeff]+")

# Dates: 2023-5-1, 2023/05/01, 2023.5.1 (one separator throughout), 2023年5月1日,
# 20230501; a time after the date (as systems export it) is allowed and dropped.
_TIME_SUFFIX = r"(?:(?:\s+|T)\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
_DATE_FORMS = tuple(
    re.compile(form + _TIME_SUFFIX)
    for form in (
        r"(?P<y>\d{4})(?P<separator>[-/.])(?P<m>\d{1,2})(?P=separator)(?P<d>\d{1,2})",
        r"(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]?",
        r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})",
    )
)
# Excel's last day (9999-12-31) in its 1900 calendar.
_LAST_SERIAL = 2_958_465

# A plain number once spaces, thousands separators and currency are gone.
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_CURRENCY_PREFIXES = ("¥", "￥", "RMB", "CNY")
# A number cell keeps what a double holds, 15 significant digits, and Excel
# shows no more: 0.1 + 0.2 is written 0.30000000000000004 and shown 0.3.
_EXCEL_PRECISION = Context(prec=15, rounding=ROUND_HALF_UP)
_UNITS = {"yuan": Decimal(1), "wan": WAN}

_TRUE = frozenset({"是", "y", "yes", "true", "1", "√", "✓", "✔", "对"})
_FALSE = frozenset({"否", "n", "no", "false", "0", "×", "✗", "✘", "错"})


def clean_text(value) -> str:
    """The value as text, without the spaces at its ends; "" for a blank cell."""
    if value is None:
        return ""
    if isinstance(value, Formula):
        raise ValueError(
            _(
                "This cell holds a formula (%(formula)s), which is not imported; "
                "enter the value itself."
            )
            % {"formula": value.text}
        )
    if isinstance(value, str):
        return _EDGE_SPACES.sub("", value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, int | float | Decimal):
        return _number_text(_as_decimal(value))
    return _EDGE_SPACES.sub("", str(value))


def normalise_code(value) -> str:
    """A code as typed or pasted (ID number, project code): half-width, without spaces.

    NFKC turns full-width digits and letters into ASCII (５２０２ → 5202); a
    number cell gives its digits (520201 typed as a number is "520201").
    """
    return _ALL_SPACES.sub("", unicodedata.normalize("NFKC", clean_text(value)))


def parse_date(value) -> date | None:
    """A date cell, an Excel serial number, or a date written as text; None when blank."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if _is_number(value):
        return _date_of_number(_as_decimal(value, _date_expected))
    if isinstance(value, bool | time):
        raise ValueError(_date_expected())
    text = _half_width(clean_text(value))
    if not text:
        return None
    for form in _DATE_FORMS:
        match = form.fullmatch(text)
        if match:
            return _calendar_date(int(match["y"]), int(match["m"]), int(match["d"]), text)
    raise ValueError(_date_expected())


def parse_amount(value, *, unit: str) -> Decimal | None:
    """An amount in yuan, to the fen, from a cell in yuan (``unit="yuan"``) or 万元 (``"wan"``).

    Text may carry ¥, thousands separators and a unit of its own: "50万元"
    under a column in 元 is 500,000 yuan, and "3,000元" under one in 万元 is
    3,000 yuan. An amount finer than the fen is refused rather than rounded,
    except the float noise of a number cell (1234.5600000000002).
    """
    if unit not in _UNITS:
        # A programming error, not a cell's: never reported as a row's.
        raise TypeError(f"unit must be one of {sorted(_UNITS)}, not {unit!r}")
    if _is_number(value):
        number = _EXCEL_PRECISION.plus(_as_decimal(value, lambda: _amount_expected(unit)))
        multiplier = _UNITS[unit]
    else:
        text = _half_width(clean_text(value))
        if not text:
            return None
        text, multiplier = _amount_unit(text, _UNITS[unit])
        number = _number_in(text, lambda: _amount_expected(unit))
    try:
        yuan = number * multiplier
        rounded = yuan.quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation as error:
        raise ValueError(_amount_expected(unit)) from error
    if rounded != yuan:
        raise ValueError(
            _("Amounts are in yuan to the fen (two decimals); %(value)s yuan has more.")
            % {"value": _number_text(yuan)}
        )
    return rounded


def parse_integer(value) -> int | None:
    """A whole number: 12, "12", "１２", "1,200"; None when blank; 12.5 is refused."""
    number = _decimal(value, _integer_expected)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise ValueError(_integer_expected())
    return int(number)


def parse_decimal(value) -> Decimal | None:
    """A number: 12.5, "12.5", "１２.５", "1,234.5"; None when blank."""
    return _decimal(value, _decimal_expected)


def parse_boolean(value) -> bool | None:
    """是/否, Y/N, yes/no, true/false, 1/0, √/×; None when blank."""
    if isinstance(value, bool):
        return value
    if _is_number(value) and value in (0, 1):
        return bool(value)
    text = _half_width(clean_text(value)).lower()
    if not text:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(_("Enter 是 or 否 (yes or no)."))


def match_choice(value, choices) -> str | None:
    """The code of the choice written in the cell, by its code or its label; None when blank.

    ``choices`` are ``(code, label)`` pairs (a model field's ``choices``). A
    label is matched in the interface's languages, Chinese and English,
    whichever the sheet was filled in, ignoring case and full-width forms.
    """
    text = clean_text(value)
    if not text:
        return None
    choices = tuple(choices)
    lookup = _choice_lookup(choices)
    if text in lookup.codes:
        return lookup.codes[text]
    code = lookup.labels.get(_folded(text))
    if code is None:
        raise ValueError(
            _("Choose one of: %(choices)s.")
            % {"choices": " / ".join(str(label) for _code, label in choices)}
        )
    return code


# -- helpers --------------------------------------------------------------------------


def _is_number(value) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _as_decimal(number, expected=None) -> Decimal:
    """A number as a Decimal; a float through its shortest text, so 0.1 stays 0.1.

    ``expected`` gives the message for a number that is none (NaN, infinity).
    """
    number = Decimal(str(number)) if isinstance(number, float) else Decimal(number)
    if not number.is_finite():
        raise ValueError((expected or _decimal_expected)())
    return number


def _decimal(value, expected) -> Decimal | None:
    if _is_number(value):
        number = _EXCEL_PRECISION.plus(_as_decimal(value, expected))
        # Without the zeros the rounding to 15 digits wrote (0.300000000000000).
        if number != number.to_integral_value():
            return number.normalize()
        try:
            return number.quantize(Decimal(1))
        except InvalidOperation as error:  # more digits than a Decimal holds
            raise ValueError(expected()) from error
    text = _half_width(clean_text(value))
    if not text:
        return None
    return _number_in(text, expected)


def _number_text(number: Decimal) -> str:
    """A number as people write it: no exponent, no ".0" on a whole number."""
    if number == number.to_integral_value():
        return str(int(number))
    return format(number.normalize(), "f")


def _half_width(text: str) -> str:
    """Full-width digits, letters and punctuation as ASCII (１２．５ → 12.5, ／ → /)."""
    return unicodedata.normalize("NFKC", text)


def _number_in(text: str, expected) -> Decimal:
    """The number in ``text`` (half-width), thousands separators and spaces allowed.

    ``expected()`` makes the message of a refusal, translated only when needed.
    """
    bare = _ALL_SPACES.sub("", text).replace(",", "")
    if not _NUMBER.fullmatch(bare):
        raise ValueError(expected())
    return Decimal(bare)


def _amount_unit(text: str, column_multiplier: Decimal) -> tuple[str, Decimal]:
    """The number part of an amount, and what it is multiplied by to make yuan."""
    bare = _ALL_SPACES.sub("", text)
    for prefix in _CURRENCY_PREFIXES:
        if bare.upper().startswith(prefix):
            bare = bare[len(prefix) :]
            break
    for suffix, multiplier in (("万元", WAN), ("万", WAN), ("元", Decimal(1))):
        if bare.endswith(suffix):
            return bare[: -len(suffix)], multiplier
    return bare, column_multiplier


def _date_of_number(serial: Decimal) -> date:
    """A number in a date column: Excel's serial day, or 20230501 typed as a number."""
    if serial == serial.to_integral_value() and 19000101 <= serial <= 99991231:
        text = str(int(serial))
        return _calendar_date(int(text[:4]), int(text[4:6]), int(text[6:]), text)
    if not 1 <= serial <= _LAST_SERIAL:
        raise ValueError(_date_expected())
    try:
        return excel_datetime(serial).date()
    except ValueError as error:  # the 29 February 1900 Excel counts
        raise ValueError(_not_a_day(_number_text(serial))) from error


def _calendar_date(year: int, month: int, day: int, written: str) -> date:
    try:
        return date(year, month, day)
    except ValueError as error:
        raise ValueError(_not_a_day(written)) from error


def _folded(text: str) -> str:
    return _half_width(text).casefold()


class _Lookup:
    """A set of choices' codes, and their labels in both languages, folded."""

    __slots__ = ("choices", "codes", "labels")

    def __init__(self, choices: tuple):
        # Held so that the labels the cache key names by id() live as long as the entry.
        self.choices = choices
        self.codes = {str(code): code for code, _label in choices}
        self.labels = {}
        for language in ("zh-hans", "en"):
            with override(language):
                for code, label in choices:
                    self.labels.setdefault(_folded(str(label)), code)
        for code, label in choices:
            self.labels.setdefault(_folded(str(label)), code)


_LOOKUPS: dict[tuple, _Lookup] = {}
_MAX_LOOKUPS = 256


def _choice_lookup(choices: tuple) -> _Lookup:
    """The lookup of a set of choices, built once per set.

    Called once per cell, so the key must be cheap: a lazy label hashes by
    translating itself, so labels are keyed by identity (a model's choices
    hand out the same label objects every time), and the entry holds them.
    """
    key = tuple((code, id(label)) for code, label in choices)
    lookup = _LOOKUPS.get(key)
    if lookup is None:
        if len(_LOOKUPS) >= _MAX_LOOKUPS:
            _LOOKUPS.clear()
        lookup = _LOOKUPS[key] = _Lookup(choices)
    return lookup


def _date_expected() -> str:
    return _("Enter a date such as 2023-05-01 or 2023年5月1日.")


def _not_a_day(written: str) -> str:
    return _("%(value)s is not a day of the calendar.") % {"value": written}


def _amount_expected(unit: str) -> str:
    if unit == "wan":
        return _("Enter an amount in 10,000 yuan (万元), such as 12.5.")
    return _("Enter an amount in yuan, such as 1,234.50.")


def _integer_expected() -> str:
    return _("Enter a whole number, such as 12.")


def _decimal_expected() -> str:
    return _("Enter a number, such as 12.5.")
