"""How Excel stores what a cell shows: serial day numbers, number formats, escapes.

A date in a workbook is a number (days since Excel's epoch) with a number
format that shows it as a date; nothing else marks it. So a reader needs the
calendar (``excel_datetime``), which formats show a date or a time
(``format_kind``, with Excel's built-in formats), and how a number's digits
become an ``int`` or a ``Decimal`` (never a float, which would change them).
"""

import re
from datetime import datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache

# Excel's built-in number formats that show a date or a time. 14–22 and 45–47
# are the same everywhere; 27–36 and 50–58 are dates and times in Chinese
# Excel (a file it saves may use them without defining them).
BUILTIN_DATE_FORMATS = {
    14: "mm-dd-yy",
    15: "d-mmm-yy",
    16: "d-mmm",
    17: "mmm-yy",
    18: "h:mm AM/PM",
    19: "h:mm:ss AM/PM",
    20: "h:mm",
    21: "h:mm:ss",
    22: "m/d/yy h:mm",
    45: "mm:ss",
    46: "[h]:mm:ss",
    47: "mmss.0",
    **dict.fromkeys((27, 36, 50, 52, 57), 'yyyy"年"m"月"'),
    **dict.fromkeys((28, 29, 51, 53, 54, 58), 'm"月"d"日"'),
    30: "m-d-yy",
    31: 'yyyy"年"m"月"d"日"',
    32: 'h"时"mm"分"',
    33: 'h"时"mm"分"ss"秒"',
    **dict.fromkeys((34, 55), '上午/下午h"时"mm"分"'),
    **dict.fromkeys((35, 56), '上午/下午h"时"mm"分"ss"秒"'),
}
# What a number format shows literally: "text", [colour or condition], \x, _x, *x;
# and elapsed time ([h]:mm), whose brackets hold a time letter.
_FORMAT_LITERALS = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.|_.|\*.')
_ELAPSED_TIME = re.compile(r"\[(h+|m+|s+)\]", re.IGNORECASE)

# Excel's calendars: day 0 of the 1900 system is 1899-12-30 once past its
# phantom 29 February 1900 (day 60, Lotus 1-2-3's leap-year bug, kept by Excel).
_EPOCH_1900 = datetime(1899, 12, 30)
_EPOCH_1904 = datetime(1904, 1, 1)
_PHANTOM_LEAP_DAY = 60
_SECONDS_PER_DAY = 86_400

# Excel writes characters XML cannot carry as _xHHHH_ (a carriage return is _x000D_).
_ESCAPED_CHARACTER = re.compile(r"_x([0-9A-Fa-f]{4})_")


def excel_datetime(serial, *, date1904: bool = False) -> datetime:
    """Excel's serial day number (an int or a Decimal) as the datetime it shows.

    Raise ``ValueError`` for a number that is no day: negative, beyond 9999,
    or the 29 February 1900 that Excel counts and the calendar does not.
    """
    serial = Decimal(serial)
    if not serial.is_finite() or serial < 0:
        raise ValueError("not a day")
    days = int(serial)
    seconds = round((serial - days) * _SECONDS_PER_DAY)
    if date1904:
        epoch = _EPOCH_1904
    else:
        if days == _PHANTOM_LEAP_DAY:
            raise ValueError("29 February 1900 does not exist")
        epoch = _EPOCH_1900 if days > _PHANTOM_LEAP_DAY else _EPOCH_1900 + timedelta(days=1)
    try:
        return epoch + timedelta(days=days, seconds=seconds)
    except OverflowError as error:
        raise ValueError("beyond the calendar") from error


def format_kind(code: str) -> str | None:
    """``"date"``, ``"datetime"``, ``"time"`` or None: what a number format shows.

    A letter y, m, d, h or s outside quotes, brackets and escapes makes a date
    or a time format; "m" is minutes beside h or s, otherwise months.
    """
    bare = _FORMAT_LITERALS.sub("", _ELAPSED_TIME.sub(r"\1", code)).lower()
    has_time = "h" in bare or "s" in bare
    has_date = "y" in bare or "d" in bare or ("m" in bare and not has_time)
    if has_date:
        return "datetime" if has_time else "date"
    return "time" if has_time else None


def plain_number(text: str):
    """A number cell: an int when whole, else a Decimal of its digits; its text if no number."""
    try:
        if "." not in text and "E" not in text and "e" not in text:
            return int(text)
        number = Decimal(text)
    except (ValueError, InvalidOperation):
        return text
    if not number.is_finite():
        return text
    return int(number) if number == number.to_integral_value() else number


# A sheet repeats its dates (the same month's days, row after row): each distinct one
# is worked out once.
@lru_cache(maxsize=4096)
def date_value(text: str, kind: str, date1904: bool):
    """A number shown with a date or time format (``kind``) as the date, datetime or time.

    A number that is no day (or, for a time, a duration past a day) is handed on
    as a number, for the column's own check to reject with its message.
    """
    try:
        serial = Decimal(text)
        if kind == "time":
            if not 0 <= serial < 1:
                raise ValueError("not a time of day")
            return (_EPOCH_1904 + timedelta(seconds=round(serial * _SECONDS_PER_DAY))).time()
        moment = excel_datetime(serial, date1904=date1904)
    except (ValueError, ArithmeticError):
        return plain_number(text)
    return moment.date() if kind == "date" else moment


def iso_datetime(text: str):
    """A cell of type "d" (ISO 8601, written by Strict files and some tools)."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return text
    if moment.time() == time() and "T" not in text:
        return moment.date()
    return moment


def unescaped(text: str) -> str:
    """Text with Excel's _xHHHH_ escapes turned back into their characters."""
    if "_x" not in text:
        return text
    return _ESCAPED_CHARACTER.sub(lambda match: chr(int(match[1], 16)), text)
