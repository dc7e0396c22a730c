"""Swedish personnummer and samordningsnummer.

Rules per Skatteverket SKV 704 (YYMMDD-NNNC, Luhn check digit, '+' from age 100) and
folkbokföringslagen 18 a § (samordningsnummer: day of month + 60).
"""

from __future__ import annotations

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

MSG_FORMAT = _("Enter a personal identity number as YYYYMMDD-NNNN or YYMMDD-NNNN.")
MSG_DATE = _("The date part of the personal identity number is not a valid date.")
MSG_CHECKSUM = _("The check digit of the personal identity number is wrong.")
MSG_FUTURE = _("The personal identity number is dated in the future.")

# [0-9], not \d: \d also matches non-ASCII digits such as "١".
_LONG = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})-?([0-9]{4})")
_SHORT = re.compile(r"([0-9]{2})([0-9]{2})([0-9]{2})([-+]?)([0-9]{4})")
_PNR12 = re.compile(r"[0-9]{12}")
COORDINATION_OFFSET = 60


class InvalidPersonalNumber(ValueError):
    """Raised for an invalid number. The message never includes the input (it is personal data)."""

    def __init__(self, message: str | Promise = MSG_FORMAT) -> None:
        super().__init__(message)
        self.message = message


def luhn_check_digit(nine_digits: str) -> int:
    if not re.fullmatch(r"[0-9]{9}", nine_digits):
        raise ValueError("luhn_check_digit expects exactly nine ASCII digits.")
    total = 0
    for i, char in enumerate(nine_digits):
        product = int(char) * (2 if i % 2 == 0 else 1)
        total += product // 10 + product % 10
    return (10 - total % 10) % 10


def _real_date(year: int, month: int, day: int) -> date:
    if day > COORDINATION_OFFSET:
        day -= COORDINATION_OFFSET
    try:
        return date(year, month, day)
    except ValueError:
        raise InvalidPersonalNumber(MSG_DATE) from None


def normalize(value: str, *, today: date | None = None) -> str:
    """Validate ``value`` and return it as 12 digits YYYYMMDDNNNN; raise InvalidPersonalNumber if invalid."""
    today = today or date.today()
    value = value.strip()
    if long := _LONG.fullmatch(value):
        year, month, day, serial = int(long[1]), int(long[2]), int(long[3]), long[4]
    elif short := _SHORT.fullmatch(value):
        month, day, serial = int(short[2]), int(short[3]), short[5]
        # Latest century putting the date on or before today; '+' (aged 100 or more) goes one further back.
        year = today.year - (today.year - int(short[1])) % 100
        real_day = day - COORDINATION_OFFSET if day > COORDINATION_OFFSET else day
        if (year, month, real_day) > (today.year, today.month, today.day):
            year -= 100
        if short[4] == "+":
            year -= 100
    else:
        raise InvalidPersonalNumber(MSG_FORMAT)
    born = _real_date(year, month, day)
    pnr12 = f"{year:04d}{month:02d}{day:02d}{serial}"
    if luhn_check_digit(pnr12[2:11]) != int(pnr12[11]):
        raise InvalidPersonalNumber(MSG_CHECKSUM)
    if born > today:
        raise InvalidPersonalNumber(MSG_FUTURE)
    return pnr12


def normalize_field(value: str, field: str) -> str:
    """``normalize``, with a bad number raised as a ``ValidationError`` naming ``field``."""
    try:
        return normalize(value)
    except InvalidPersonalNumber as exc:
        raise ValidationError({field: [exc.message]}) from None


def _check12(pnr12: str) -> str:
    if not _PNR12.fullmatch(pnr12):
        raise InvalidPersonalNumber(MSG_FORMAT)
    return pnr12


def is_coordination_number(pnr12: str) -> bool:
    return int(_check12(pnr12)[6:8]) > COORDINATION_OFFSET


def birth_date(pnr12: str) -> date:
    """The real birth date (for a samordningsnummer, the day with 60 subtracted)."""
    pnr12 = _check12(pnr12)
    return _real_date(int(pnr12[:4]), int(pnr12[4:6]), int(pnr12[6:8]))


def age_on(pnr12: str, on: date) -> int:
    """Completed years on ``on``; a 29 February birthday is reached on 1 March in non-leap years."""
    born = birth_date(pnr12)
    if on < born:
        raise ValueError("age_on called with a date before the birth date.")
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))
