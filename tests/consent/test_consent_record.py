"""Social services record a consent with its evidence; a bad one is named and changes nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from cases import services as case_services
from cases.models import Guardian, Track
from consent.models import Consent
from consent.services import (
    MSG_GUARDIAN_FOR_YOUTH,
    MSG_GUARDIAN_NOT_ON_CASE,
    MSG_GUARDIAN_REQUIRED,
    MSG_TOO_LONG,
    MSG_UNKNOWN_AGENCY,
    MSG_UNKNOWN_CATEGORY,
    MSG_UNTIL_BEFORE_FROM,
    MSG_UNTIL_PAST,
)
from tests.conftest import YOUTH, case_url
from tests.consent.helpers import guardian_of
from tests.factories import personal_number_for_age

pytestmark = pytest.mark.django_db


def valid_body(case: Any, **overrides: Any) -> dict[str, Any]:
    now = timezone.now()
    body = {
        "giver": "guardian",
        "guardian": str(guardian_of(case).pk),
        "agencies": ["police"],
        "categories": ["identity"],
        "valid_from": now.isoformat(),
        "valid_until": (now + timedelta(days=30)).isoformat(),
        "method": "written",
    }
    body.update(overrides)
    return body


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"valid_until": "2020-01-01T00:00:00+01:00"}, {"valid_until": [MSG_UNTIL_PAST, MSG_UNTIL_BEFORE_FROM]}),
        ({"agencies": ["police", "church"]}, {"agencies": [str(MSG_UNKNOWN_AGENCY)]}),
        ({"categories": ["gossip"]}, {"categories": [str(MSG_UNKNOWN_CATEGORY)]}),
        ({"guardian": "7f1c6a39-1ad4-4c53-9d8c-4c1b3a6e8c11"}, {"guardian": [MSG_GUARDIAN_NOT_ON_CASE]}),
        ({"guardian": None}, {"guardian": [MSG_GUARDIAN_REQUIRED]}),
        ({"giver": "youth"}, {"guardian": [MSG_GUARDIAN_FOR_YOUTH]}),
    ],
)
def test_bad_consents_are_named_and_change_nothing(
    case: Any, alice: Any, client_for: Any, overrides: dict[str, Any], expected: dict[str, list[Any]]
) -> None:
    response = client_for(alice).post(case_url(case, "consents/"), valid_body(case, **overrides))

    assert response.status_code == 400
    assert response.json() == {field: [str(m) for m in messages] for field, messages in expected.items()}
    assert not Consent.objects.exists()


def test_a_consent_longer_than_the_maximum_is_refused(case: Any, alice: Any, client_for: Any) -> None:
    now = timezone.now()
    body = valid_body(case, valid_until=(now + timedelta(days=400)).isoformat())

    response = client_for(alice).post(case_url(case, "consents/"), body)

    assert response.status_code == 400
    assert response.json() == {"valid_until": [str(MSG_TOO_LONG.format(months=12))]}


def test_a_consent_is_recorded_with_its_evidence(case: Any, alice: Any, client_for: Any) -> None:
    response = client_for(alice).post(case_url(case, "consents/"), valid_body(case, document_reference="Pärm 3"))

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "active"
    assert body["document_reference"] == "Pärm 3"
    assert body["recorded_by"] == "alice"


@pytest.mark.parametrize("member", ["petra", "sara"])
def test_only_social_services_record_and_read_consents(
    case: Any, member: str, request: pytest.FixtureRequest, client_for: Any
) -> None:
    client = client_for(request.getfixturevalue(member))

    assert client.post(case_url(case, "consents/"), valid_body(case)).status_code == 403
    assert client.get(case_url(case, "consents/")).status_code == 403
    assert not Consent.objects.exists()


def test_a_guardian_of_another_case_cannot_consent_on_this_one(case: Any, alice: Any, client_for: Any) -> None:
    other = case_services.case_open(
        actor=alice,
        track=Track.SSPF,
        youth={**YOUTH, "personal_number": personal_number_for_age(13, serial=612)},
        guardians=[{"name": "Annan Förälder"}],
        district="Centrum",
    )
    strangers_guardian = Guardian.objects.get(case=other)

    response = client_for(alice).post(
        case_url(case, "consents/"), valid_body(case, guardian=str(strangers_guardian.pk))
    )

    assert response.status_code == 400
    assert response.json() == {"guardian": [str(MSG_GUARDIAN_NOT_ON_CASE)]}
    assert not Consent.objects.exists()


def test_no_consent_is_recorded_on_a_closed_case(case: Any, alice: Any, carl: Any, client_for: Any) -> None:
    client = client_for(alice)
    body = valid_body(case)
    client_for(carl).post(case_url(case, "close/"), {"reason": "Målet uppnått"})  # a coordinator closes at once

    response = client.post(case_url(case, "consents/"), body)

    assert response.status_code == 409
    assert response.json()["code"] == "case_closed"
    assert not Consent.objects.exists()
