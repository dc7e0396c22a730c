"""Schemathesis hooks for the fuzz drill (scripts/drills/fuzz.py loads them; docs/testing.md).

The schema says what the server takes, and where JSON Schema cannot say all of it, it says so in
words and in a ``format`` of its own. Here the fuzzer learns to generate such values, so that a
request the schema calls valid is one the server should take (``positive_data_acceptance``):

- ``personnummer``: a real date (samordningsnummer too: day + 60), not in the future, with the
  Luhn check digit (cases/personnummer.py; SKV 704). The pattern alone admits ``000000000000``.
- ``date-time`` and ``date``: within 1901-2099. The server takes 1900-2100 as written and also in
  Swedish time (api/inputs.py); the schema's pattern gives the written year. Keeping a year off
  either end keeps a generated offset (``-23:59``) from carrying a time past the bound.
"""

from __future__ import annotations

import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import schemathesis
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from cases.personnummer import COORDINATION_OFFSET, luhn_check_digit  # noqa: E402

EARLIEST = date(1901, 1, 1)
LATEST = date(2099, 12, 31)


@st.composite
def personnummer(draw: st.DrawFn) -> str:
    born = draw(st.dates(min_value=EARLIEST, max_value=date.today() - timedelta(days=1)))
    day = born.day + (COORDINATION_OFFSET if draw(st.booleans()) else 0)
    nine = f"{born:%y%m}{day:02d}{draw(st.integers(0, 999)):03d}"
    digits = f"{born.year // 100}{nine}{luhn_check_digit(nine)}"
    return f"{digits[:8]}-{digits[8:]}" if draw(st.booleans()) else digits


@st.composite
def date_time(draw: st.DrawFn) -> str:
    day = draw(st.dates(min_value=EARLIEST, max_value=LATEST))
    at = draw(st.times())
    minutes = draw(st.integers(-23 * 60 - 59, 23 * 60 + 59))
    return datetime.combine(day, at, timezone(timedelta(minutes=minutes))).isoformat()


schemathesis.openapi.format("personnummer", personnummer())
schemathesis.openapi.format("date-time", date_time())
schemathesis.openapi.format("date", st.dates(min_value=EARLIEST, max_value=LATEST).map(date.isoformat))
