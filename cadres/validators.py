"""National ID numbers (GB 11643-1999) and phone numbers."""

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_SHAPE = re.compile(r"^\d{17}[\dX]$")
_PHONE_SHAPE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")


def id_number_check_character(first_17: str) -> str:
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first_17, _ID_WEIGHTS, strict=True)) % 11]


def id_number_birth_date(value: str) -> date | None:
    try:
        return date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return None


def validate_id_number(value: str) -> None:
    if not _ID_SHAPE.match(value):
        raise ValidationError(
            _("An ID number has 17 digits followed by a digit or X."), code="shape"
        )
    birth = id_number_birth_date(value)
    if birth is None or not date(1900, 1, 1) <= birth <= date.today():
        raise ValidationError(
            _("The birth date inside this ID number is not a real date."), code="birth"
        )
    if value[17] != id_number_check_character(value[:17]):
        raise ValidationError(
            _("The check digit is wrong: please check the ID number for typing mistakes."),
            code="checksum",
        )


def validate_phone(value: str) -> None:
    if not _PHONE_SHAPE.match(value):
        raise ValidationError(
            _(
                "Enter an 11-digit mobile number or a landline with its area code, "
                "e.g. 0858-8221234."
            ),
            code="phone",
        )
