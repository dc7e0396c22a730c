"""A consent shares what it names, with the agencies it names, while valid and once every guardian gave it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from cases import services as case_services
from cases.querysets import bulk_writes_allowed
from consent.models import Consent
from consent.policy import categories_for_case
from tests.conftest import YOUTH, case_url
from tests.consent.helpers import give, guardian_of

pytestmark = pytest.mark.django_db


def test_one_guardians_consent_shares_with_the_named_agencies(
    case: Any, alice: Any, petra: Any, sara: Any, client_for: Any
) -> None:
    give(alice, case, guardian=guardian_of(case), agencies=["police"], categories=["identity", "visits"])

    police = client_for(petra).get(case_url(case))
    school = client_for(sara).get(case_url(case))

    assert police.status_code == 200
    assert police.json()["youth"]["family_name"] == YOUTH["family_name"]
    assert "summary" not in police.json()  # notes were not consented
    assert police.json()["categories"] == ["identity", "visits"]
    assert school.status_code == 403
    assert school.json()["code"] == "consent_required"


def test_one_of_two_guardians_is_pending_and_shares_nothing(case: Any, alice: Any, petra: Any, client_for: Any) -> None:
    first = guardian_of(case)
    second = case_services.guardian_add(actor=alice, case=case, data={"name": "Jonas Exempelsson"})
    give(alice, case, guardian=first)

    assert client_for(petra).get(case_url(case)).status_code == 403
    listed = client_for(alice).get(case_url(case, "consents/")).json()
    assert [c["status"] for c in listed] == ["pending"]

    give(alice, case, guardian=second)

    assert client_for(petra).get(case_url(case)).status_code == 200
    assert [c["status"] for c in client_for(alice).get(case_url(case, "consents/")).json()] == ["active", "active"]


def test_an_expired_consent_shares_nothing(case: Any, alice: Any, petra: Any, client_for: Any) -> None:
    consent = give(alice, case, guardian=guardian_of(case))
    with bulk_writes_allowed():  # time travel for the test
        Consent.objects.filter(pk=consent.pk).update(valid_until=timezone.now() - timedelta(seconds=1))

    assert client_for(petra).get(case_url(case)).status_code == 403
    assert [c["status"] for c in client_for(alice).get(case_url(case, "consents/")).json()] == ["expired"]


def test_adding_an_agency_to_the_team_does_not_extend_consent(
    case: Any, alice: Any, sara: Any, client_for: Any
) -> None:
    give(alice, case, guardian=guardian_of(case), agencies=["police"])

    assert client_for(sara).get(case_url(case)).status_code == 403


def test_a_consent_shares_nothing_before_it_starts(case: Any, alice: Any, petra: Any, client_for: Any) -> None:
    """A renewal recorded ahead of time (every category, from next week) leaves the police with
    what the current consent shares, and is pending until it starts."""
    current = give(alice, case, guardian=guardian_of(case), agencies=["police"], categories=["identity"])
    now = timezone.now()
    renewal = client_for(alice).post(
        case_url(case, "consents/"),
        {
            "giver": "guardian",
            "guardian": str(guardian_of(case).pk),
            "agencies": ["police"],
            "categories": ["identity", "meetings", "notes", "visits"],
            "valid_from": (now + timedelta(days=7)).isoformat(),
            "valid_until": (now + timedelta(days=180)).isoformat(),
            "method": "written",
        },
    )

    police = client_for(petra).get(case_url(case))
    statuses = {c["id"]: c["status"] for c in client_for(alice).get(case_url(case, "consents/")).json()}

    assert renewal.status_code == 201
    assert renewal.json()["status"] == "pending"
    assert police.json()["categories"] == ["identity"]
    assert "summary" not in police.json()
    assert statuses == {str(current.pk): "active", renewal.json()["id"]: "pending"}


def test_a_consent_counts_up_to_but_not_including_its_end(case: Any, alice: Any, petra: Any) -> None:
    consent = give(alice, case, guardian=guardian_of(case), agencies=["police"], categories=["identity"])
    profile = petra.staff_profile

    assert categories_for_case(profile=profile, case=case, at=consent.valid_until - timedelta(microseconds=1)) == {
        "identity"
    }
    assert categories_for_case(profile=profile, case=case, at=consent.valid_until) == frozenset()
