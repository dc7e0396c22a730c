"""A protected youth's address reaches no other agency, and emergency access does not find them."""

from __future__ import annotations

from typing import Any

import pytest

from cases import services as case_services
from cases.models import Guardian, Track
from tests.conftest import YOUTH, case_url
from tests.consent.helpers import give
from tests.factories import personal_number_for_age

pytestmark = pytest.mark.django_db


def test_a_protected_address_is_never_shown_to_other_agencies(alice: Any, petra: Any, client_for: Any) -> None:
    protected = case_services.case_open(
        actor=alice,
        track=Track.SSPF,
        youth={**YOUTH, "personal_number": personal_number_for_age(13, serial=432), "protected_identity": True},
        guardians=[{"name": "Skyddad Förälder"}],
        district="Centrum",
    )
    case_services.case_member_add(actor=alice, case=protected, username="petra")
    give(alice, protected, guardian=Guardian.objects.get(case=protected))

    police = client_for(petra).get(case_url(protected)).json()
    social = client_for(alice).get(case_url(protected)).json()

    assert "address" not in police["youth"]
    assert YOUTH["address"] not in str(police)
    assert police["youth"]["protected_identity"] is True
    assert social["youth"]["address"] == YOUTH["address"]


def test_a_protected_youth_is_not_found_through_emergency_access(alice: Any, olle: Any, client_for: Any) -> None:
    protected = case_services.case_open(
        actor=alice,
        track=Track.SSPF,
        youth={**YOUTH, "personal_number": personal_number_for_age(13, serial=543), "protected_identity": True},
        district="Centrum",
    )
    client = client_for(olle)
    client.post(case_url(protected, "emergency-access/"), {"reason": "Akut ärende under helgen"})

    found = client.post("/api/v1/youths/lookup", {"personal_number": protected.youth.personal_number})

    assert found.json() == {"cases": [], "referrals": []}
