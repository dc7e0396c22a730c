"""factory_boy factories and synthetic personal data. Every person here is invented."""

from __future__ import annotations

from datetime import date, timedelta

import factory

from cases import personnummer
from cases.models import Agency, AgencyKind


def personal_number_for_age(age: int, *, serial: int = 123, today: date | None = None) -> str:
    """A valid (check digit included) personal number of someone ``age`` years old today."""
    today = today or date.today()
    born = today.replace(year=today.year - age) - timedelta(days=40)
    if born.month == 2 and born.day == 29:
        born -= timedelta(days=1)
    nine = f"{born:%y%m%d}{serial:03d}"
    return f"{born:%Y%m%d}-{serial:03d}{personnummer.luhn_check_digit(nine)}"


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    name = factory.Sequence(lambda n: f"Agency {n}")
    kind = AgencyKind.SOCIAL_SERVICES
