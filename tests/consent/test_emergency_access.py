"""Emergency access opens a case to social services outside its team, for a limited time and nothing more."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from cases import services as case_services
from cases.querysets import bulk_writes_allowed
from consent.models import EmergencyAccess
from tests.conftest import YOUTH, case_url, established

pytestmark = pytest.mark.django_db


def test_emergency_access_opens_a_case_for_a_limited_time(case: Any, olle: Any, client_for: Any) -> None:
    client = client_for(olle)
    assert client.get(case_url(case)).status_code == 404

    opened = client.post(case_url(case, "emergency-access/"), {"reason": "Akut placering i natt, jourhavande"})

    assert opened.status_code == 201
    assert client.get(case_url(case)).json()["youth"]["family_name"] == YOUTH["family_name"]
    access = EmergencyAccess.objects.get(user=olle)
    assert access.reason == "Akut placering i natt, jourhavande"
    with bulk_writes_allowed():  # time travel for the test
        EmergencyAccess.objects.filter(pk=access.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get(case_url(case)).status_code == 404


@pytest.mark.parametrize("user", ["petra", "audrey", "adam"])
def test_nobody_else_has_emergency_access(
    case: Any, user: str, request: pytest.FixtureRequest, client_for: Any
) -> None:
    response = client_for(request.getfixturevalue(user)).post(
        case_url(case, "emergency-access/"), {"reason": "Jag vill bara titta lite"}
    )

    assert response.status_code == 404
    assert not EmergencyAccess.objects.exists()


def test_a_member_needs_no_emergency_access(case: Any, alice: Any, client_for: Any) -> None:
    response = client_for(alice).post(case_url(case, "emergency-access/"), {"reason": "Redan med i teamet"})

    assert response.status_code == 409


def test_emergency_access_does_not_make_a_coordinator_a_team_manager(case: Any, agencies: Any, client_for: Any) -> None:
    from cases.models import AgencyKind, CaseMember, Role

    other = established(
        case_services.staff_create(
            username="cora", password="x" * 12, role=Role.COORDINATOR, agency=agencies[AgencyKind.SOCIAL_SERVICES]
        )
    )
    client = client_for(other)
    assert client.post(case_url(case, "emergency-access/"), {"reason": "Akut läge i kväll"}).status_code == 201

    response = client.post(case_url(case, "members/"), {"username": "cora"})

    assert response.status_code == 403
    assert not CaseMember.objects.filter(user=other).exists()


def test_a_running_emergency_access_is_not_opened_twice(case: Any, olle: Any, client_for: Any) -> None:
    client = client_for(olle)
    assert client.post(case_url(case, "emergency-access/"), {"reason": "Akut läge i kväll"}).status_code == 201

    again = client.post(case_url(case, "emergency-access/"), {"reason": "Akut läge i kväll"})

    assert again.status_code == 409
    assert again.json()["code"] == "emergency_access_running"


def test_the_emergency_hint_is_raised_and_only_ever_hides(case: Any, olle: Any, client_for: Any) -> None:
    """Opening an emergency access raises the staff profile's emergency_until to its end; the
    selector looks for running emergency accesses only before that time. If the hint ever lags
    behind (here: set back by hand), the case is hidden, never shown to someone it should not be."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cases.models import StaffProfile

    client = client_for(olle)
    with CaptureQueriesContext(connection) as before:
        assert client.get(case_url(case)).status_code == 404
    assert not any("consent_emergencyaccess" in q["sql"] for q in before.captured_queries)

    client.post(case_url(case, "emergency-access/"), {"reason": "Akut placering i natt, jourhavande"})
    access = EmergencyAccess.objects.get(user=olle)
    assert StaffProfile.objects.get(user=olle).emergency_until == access.expires_at
    with CaptureQueriesContext(connection) as during:
        assert client.get(case_url(case)).status_code == 200
    assert any("consent_emergencyaccess" in q["sql"] for q in during.captured_queries)

    with bulk_writes_allowed():
        StaffProfile.objects.filter(user=olle).update(emergency_until=timezone.now() - timedelta(seconds=1))
    assert client.get(case_url(case)).status_code == 404  # still running, but hidden: fails closed


def test_a_bad_body_does_not_tell_an_existing_case_from_an_unknown_one(case: Any, olle: Any, client_for: Any) -> None:
    client = client_for(olle)
    existing = client.post(case_url(case, "emergency-access/"), {"reason": "kort"}, format="json")
    unknown = client.post(
        case_url("7f1c6a39-1ad4-4c53-9d8c-4c1b3a6e8c11", "emergency-access/"), {"reason": "kort"}, format="json"
    )

    assert (existing.status_code, existing.json()) == (unknown.status_code, unknown.json())
    assert existing.status_code == 400
    assert not EmergencyAccess.objects.exists()


def test_emergency_access_lasts_the_configured_minutes(case: Any, olle: Any, client_for: Any) -> None:
    from datetime import datetime

    opened = client_for(olle).post(case_url(case, "emergency-access/"), {"reason": "Akut placering i natt"})

    body = opened.json()
    started, expires = datetime.fromisoformat(body["started_at"]), datetime.fromisoformat(body["expires_at"])
    assert expires - started == timedelta(minutes=60)  # EMERGENCY_ACCESS_MINUTES' default
    assert EmergencyAccess.objects.get(user=olle).expires_at - timezone.now() <= timedelta(minutes=60)


def test_an_emergency_access_ends_when_its_holder_leaves_social_services(
    case: Any, olle: Any, agencies: Any, client_for: Any
) -> None:
    """Emergency access is for social services: moved to the police (in the admin), the holder
    of a running one gets 404 like any outsider."""
    from cases.models import AgencyKind, Role, StaffProfile

    client = client_for(olle)
    client.post(case_url(case, "emergency-access/"), {"reason": "Akut placering i natt"})
    profile = StaffProfile.objects.get(user=olle)
    profile.role, profile.agency = Role.POLICE, agencies[AgencyKind.POLICE]
    profile.save()

    response = client.get(case_url(case))

    assert response.status_code == 404
    assert YOUTH["family_name"] not in response.content.decode()
