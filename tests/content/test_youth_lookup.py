"""A lookup by personal number, in either format, finds the caller's own cases, for social services only."""

from __future__ import annotations

from typing import Any

import pytest

from cases.personnummer import MSG_CHECKSUM
from tests.factories import personal_number_for_age

pytestmark = pytest.mark.django_db

LOOKUP = "/api/v1/youths/lookup"


def test_lookup_finds_the_case_in_either_format(case: Any, alice: Any, client_for: Any) -> None:
    number = case.youth.personal_number  # 12 digits
    client = client_for(alice)

    long_form = client.post(LOOKUP, {"personal_number": f"{number[:8]}-{number[8:]}"})
    short_form = client.post(LOOKUP, {"personal_number": f"{number[2:8]}-{number[8:]}"})

    assert long_form.status_code == 200
    assert long_form.json() == {"cases": [str(case.pk)], "referrals": []}
    assert short_form.json() == {"cases": [str(case.pk)], "referrals": []}


def test_lookup_does_not_find_another_person(case: Any, alice: Any, client_for: Any) -> None:
    other = personal_number_for_age(14, serial=777)

    assert client_for(alice).post(LOOKUP, {"personal_number": other}).json() == {"cases": [], "referrals": []}


def test_lookup_only_shows_the_callers_cases(case: Any, olle: Any, client_for: Any) -> None:
    number = case.youth.personal_number

    assert client_for(olle).post(LOOKUP, {"personal_number": number}).json() == {"cases": [], "referrals": []}


@pytest.mark.parametrize("role", ["petra", "sara", "audrey", "adam"])
def test_lookup_is_for_social_services_only(
    case: Any, role: str, request: pytest.FixtureRequest, client_for: Any
) -> None:
    response = client_for(request.getfixturevalue(role)).post(LOOKUP, {"personal_number": case.youth.personal_number})

    assert response.status_code == 403


def test_lookup_names_a_bad_number(alice: Any, client_for: Any) -> None:
    good = personal_number_for_age(14, serial=101)
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)

    response = client_for(alice).post(LOOKUP, {"personal_number": bad})

    assert response.status_code == 400
    assert response.json() == {"personal_number": [str(MSG_CHECKSUM)]}
    assert bad not in response.content.decode()
