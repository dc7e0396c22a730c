"""What the referral tests share: an invented youth, a concern, and filing one through the service."""

from __future__ import annotations

from typing import Any

from cases.personnummer import normalize
from referrals import services
from referrals.models import Referral
from tests.factories import personal_number_for_age

URL = "/api/v1/referrals/"
GIVEN = "Noa"
FAMILY = "Orosdotter"
CONCERN = "Noa har inte varit i skolan på tre veckor och berättar om bråk hemma."
REASON = "Familjen har redan kontakt med BUP; inget ärende behövs."


def pnr(serial: int = 201, age: int = 13) -> str:
    """A valid personal number, as a client would type it (YYYYMMDD-NNNN)."""
    return personal_number_for_age(age, serial=serial)


def youth(serial: int = 201, age: int = 13) -> dict[str, str]:
    return {"personal_number": pnr(serial, age), "given_name": GIVEN, "family_name": FAMILY}


def file(actor: Any, *, serial: int = 201, age: int = 13, urgent: bool = False, concern: str = CONCERN) -> Referral:
    return services.referral_file(actor=actor, youth=youth(serial, age), concern=concern, urgent=urgent)


def detail_url(referral: Referral | str) -> str:
    return f"{URL}{getattr(referral, 'pk', referral)}/"


def decide_url(referral: Referral | str) -> str:
    return f"{detail_url(referral)}decide/"


def pnr_forms(serial: int = 201, age: int = 13) -> list[str]:
    """Every way the personal number could leak: with dash, 12 digits, 10 digits."""
    twelve = normalize(pnr(serial, age))
    return [pnr(serial, age), twelve, twelve[2:], f"{twelve[2:8]}-{twelve[8:]}"]
