"""Lookup by personal number finds a person's referrals as well as their cases, for social
services; exactly that person's, though many people share a blind-index bucket."""

from __future__ import annotations

from typing import Any

import pytest

from cases import crypto
from cases import services as case_services
from cases.models import Track
from cases.permissions import MSG_SOCIAL_SERVICES_ONLY
from cases.personnummer import MSG_CHECKSUM
from content import referrals as content_referrals
from tests.referrals.helpers import file, pnr, youth

pytestmark = pytest.mark.django_db

LOOKUP = "/api/v1/youths/lookup"


def test_social_services_find_a_persons_cases_and_referrals(sara: Any, petra: Any, alice: Any, client_for: Any) -> None:
    case = case_services.case_open(actor=alice, track=Track.SSPF, youth=youth(), district="Centrum")
    first, second = file(sara), file(petra)
    file(sara, serial=202)  # someone else

    response = client_for(alice).post(LOOKUP, {"personal_number": pnr()}, format="json")

    assert response.status_code == 200
    assert response.json() == {"cases": [str(case.pk)], "referrals": [str(first.pk), str(second.pk)]}


def test_social_services_off_the_team_still_find_the_referrals(sara: Any, olle: Any, client_for: Any) -> None:
    referral = file(sara)

    body = client_for(olle).post(LOOKUP, {"personal_number": pnr()[2:]}, format="json").json()

    assert body == {"cases": [], "referrals": [str(referral.pk)]}


def test_a_shared_bucket_gives_no_false_hit(
    sara: Any, alice: Any, client_for: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def one_bucket(value: str, *, purpose: str) -> int:
        return 7  # everyone in one bucket

    monkeypatch.setattr(crypto, "blind_index", one_bucket)  # when filing
    monkeypatch.setattr(content_referrals, "blind_index", one_bucket)  # when looking up
    wanted = file(sara)
    file(sara, serial=202)

    body = client_for(alice).post(LOOKUP, {"personal_number": pnr()}, format="json").json()

    assert body["referrals"] == [str(wanted.pk)]


@pytest.mark.parametrize("role", ["sara", "petra", "leo", "audrey", "adam"])
def test_nobody_else_may_look_up(role: str, sara: Any, request: pytest.FixtureRequest, client_for: Any) -> None:
    file(sara)

    response = client_for(request.getfixturevalue(role)).post(LOOKUP, {"personal_number": pnr()}, format="json")

    assert response.status_code == 403
    assert response.json() == {"detail": str(MSG_SOCIAL_SERVICES_ONLY), "code": "permission_denied"}


def test_a_bad_number_is_named_and_not_repeated(alice: Any, client_for: Any) -> None:
    typed = pnr()
    wrong = typed[:-1] + str((int(typed[-1]) + 1) % 10)

    response = client_for(alice).post(LOOKUP, {"personal_number": wrong}, format="json")

    assert response.status_code == 400
    assert response.json() == {"personal_number": [str(MSG_CHECKSUM)]}
    assert wrong not in response.content.decode()
