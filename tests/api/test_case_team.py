"""The owner and coordinators manage the team; a member's access starts and ends with membership."""

from __future__ import annotations

from typing import Any

import pytest

from cases.models import CaseMember
from cases.services import (
    MSG_NOT_TEAM_ROLE,
    MSG_ROLE_MISMATCH,
    MSG_SOCIAL_SERVICES_ONLY,
    MSG_TEAM_MANAGERS_ONLY,
    MSG_UNKNOWN_USER,
)
from tests.conftest import case_url

pytestmark = pytest.mark.django_db


def test_the_owner_adds_a_member_who_then_sees_the_case(case: Any, alice: Any, olle: Any, client_for: Any) -> None:
    assert client_for(olle).get(case_url(case)).status_code == 404

    response = client_for(alice).post(case_url(case, "members/"), {"username": "olle"})

    assert response.status_code == 201
    assert response.json() == {
        "username": "olle",
        "agency": "social_services",
        "agency_name": "Socialtjänsten",
        "agency_id": str(olle.staff_profile.agency_id),
        "role": "social_worker",
        "shares_nothing": False,
    }
    assert client_for(olle).get(case_url(case)).status_code == 200


def test_removing_a_member_takes_access_away_at_once(case: Any, carl: Any, sara: Any, client_for: Any) -> None:
    sara_client = client_for(sara)
    assert sara_client.get("/api/v1/cases/").json()["count"] == 1

    response = client_for(carl).delete(case_url(case, "members/sara/"))

    assert response.status_code == 204
    assert sara_client.get(case_url(case, "notes/")).status_code == 404
    assert sara_client.get("/api/v1/cases/").json()["count"] == 0
    assert not CaseMember.objects.filter(case=case, user=sara).exists()


def test_the_owner_stays(case: Any, carl: Any, client_for: Any) -> None:
    response = client_for(carl).delete(case_url(case, "members/alice/"))

    assert response.status_code == 409
    assert response.json()["code"] == "owner_stays"


@pytest.mark.parametrize("member", ["petra", "sara"])
def test_only_coordinators_and_the_owner_manage_the_team(
    case: Any, member: str, olle: Any, request: pytest.FixtureRequest, client_for: Any
) -> None:
    response = client_for(request.getfixturevalue(member)).post(case_url(case, "members/"), {"username": "olle"})

    assert response.status_code == 403
    assert response.json() == {"detail": str(MSG_SOCIAL_SERVICES_ONLY), "code": "permission_denied"}
    assert not CaseMember.objects.filter(user=olle).exists()


def test_a_social_worker_who_does_not_own_the_case_cannot_manage_it(
    case: Any, alice: Any, olle: Any, client_for: Any
) -> None:
    client_for(alice).post(case_url(case, "members/"), {"username": "olle"})

    response = client_for(olle).delete(case_url(case, "members/sara/"))

    assert response.status_code == 403
    assert response.json() == {"detail": str(MSG_TEAM_MANAGERS_ONLY), "code": "permission_denied"}


def test_bad_member_requests_are_named(case: Any, alice: Any, audrey: Any, client_for: Any) -> None:
    client = client_for(alice)

    assert client.post(case_url(case, "members/"), {"username": "ghost"}).json() == {
        "username": [str(MSG_UNKNOWN_USER)]
    }
    assert client.post(case_url(case, "members/"), {"username": "audrey"}).json() == {
        "username": [str(MSG_NOT_TEAM_ROLE)]
    }
    assert client.post(case_url(case, "members/"), {"username": "carl", "role": "police"}).status_code == 400
    assert client.post(case_url(case, "members/"), {"username": "carl"}).status_code == 409


def test_a_role_must_fit_the_agency(case: Any, alice: Any, olle: Any, client_for: Any) -> None:
    response = client_for(alice).post(case_url(case, "members/"), {"username": "olle", "role": "police"})

    assert response.status_code == 400
    assert response.json() == {"role": [str(MSG_ROLE_MISMATCH)]}
