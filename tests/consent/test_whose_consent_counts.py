"""Whose consent counts goes by age: the guardians' under 15, the youth's too from 15, only the youth's from 18."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from cases import services as case_services
from cases.models import Guardian, Track
from consent.policy import categories_for_case
from tests.conftest import YOUTH, case_url
from tests.consent.helpers import ALL, give
from tests.factories import personal_number_for_age

pytestmark = pytest.mark.django_db


def test_a_case_without_guardians_shares_nothing_under_15(alice: Any, petra: Any, client_for: Any) -> None:
    lonely = case_services.case_open(
        actor=alice,
        track=Track.SSPF,
        youth={**YOUTH, "personal_number": personal_number_for_age(12, serial=321)},
        district="Centrum",
    )
    case_services.case_member_add(actor=alice, case=lonely, username="petra")

    assert client_for(petra).get(case_url(lonely)).status_code == 403


def test_on_the_15th_birthday_the_youths_own_consent_becomes_required(alice: Any, petra: Any) -> None:
    # Turned 14 forty days ago: 15 in about 325 days, within one consent period.
    youth_case = case_services.case_open(
        actor=alice,
        track=Track.SSPF,
        youth={**YOUTH, "personal_number": personal_number_for_age(14, serial=111)},
        guardians=[{"name": "Förälder"}],
        district="Centrum",
    )
    give(alice, youth_case, guardian=Guardian.objects.get(case=youth_case), days=360)
    profile = petra.staff_profile
    now = timezone.now()
    after_birthday = now + timedelta(days=330)

    assert categories_for_case(profile=profile, case=youth_case, at=now) == frozenset(ALL)
    assert categories_for_case(profile=profile, case=youth_case, at=after_birthday) == frozenset()

    give(alice, youth_case, days=360)  # the youth consents too

    assert categories_for_case(profile=profile, case=youth_case, at=after_birthday) == frozenset(ALL)


def test_at_18_guardians_no_longer_count(alice: Any, petra: Any, settings: Any) -> None:
    settings.SSPF_AGE_MAX = 21
    adult_case = case_services.case_open(
        actor=alice,
        track=Track.SSPF,
        youth={**YOUTH, "personal_number": personal_number_for_age(18, serial=222)},
        guardians=[{"name": "Förälder"}],
        district="Centrum",
    )
    give(alice, adult_case, guardian=Guardian.objects.get(case=adult_case))
    profile = petra.staff_profile

    assert categories_for_case(profile=profile, case=adult_case) == frozenset()
    give(alice, adult_case)
    assert categories_for_case(profile=profile, case=adult_case) == frozenset(ALL)


def test_from_18_the_youths_own_consent_is_enough_and_a_guardians_is_pending(
    alice: Any, petra: Any, client_for: Any
) -> None:
    """Turned 18 forty days ago, a guardian still registered: the youth alone consents, the
    guardian's consent shares nothing and says so."""
    adult_case = case_services.case_open(
        actor=alice,
        track=Track.SSPF,
        youth={**YOUTH, "personal_number": personal_number_for_age(18, serial=223)},
        guardians=[{"name": "Förälder"}],
        district="Centrum",
    )
    case_services.case_member_add(actor=alice, case=adult_case, username="petra")
    own = give(alice, adult_case, agencies=["police"])
    guardians = give(alice, adult_case, guardian=Guardian.objects.get(case=adult_case), agencies=["police"])

    police = client_for(petra).get(case_url(adult_case))
    statuses = {c["id"]: c["status"] for c in client_for(alice).get(case_url(adult_case, "consents/")).json()}

    assert police.status_code == 200
    assert police.json()["categories"] == sorted(ALL)
    assert statuses == {str(own.pk): "active", str(guardians.pk): "pending"}
