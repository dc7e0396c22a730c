from __future__ import annotations

from typing import Any

import pytest

from cases.errors import MSG_NOT_FOUND
from tests.conftest import YOUTH, case_url

pytestmark = pytest.mark.django_db


def test_it_shows_the_whole_case_to_its_social_worker(case: Any, alice: Any, client_for: Any) -> None:
    response = client_for(alice).get(case_url(case))

    assert response.status_code == 200
    body = response.json()
    assert body["number"] == case.number
    assert body["youth"]["given_name"] == YOUTH["given_name"]
    assert body["youth"]["personal_number"] == case.youth.personal_number
    assert [g["name"] for g in body["guardians"]] == ["Maria Exempelsson"]
    assert body["summary"] == "Orosanmälan från skolan om frånvaro."
    assert {m["username"] for m in body["members"]} == {"alice", "carl", "petra", "sara", "leo"}
    assert response["ETag"] == f'"{case.version}"'
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize("outsider", ["olle", "audrey", "adam"])
def test_it_hides_the_case_from_anyone_not_on_the_team(
    case: Any, outsider: str, request: pytest.FixtureRequest, client_for: Any
) -> None:
    response = client_for(request.getfixturevalue(outsider)).get(case_url(case))

    assert response.status_code == 404
    assert response.json() == {"detail": str(MSG_NOT_FOUND), "code": "not_found"}


def test_an_unknown_case_is_the_same_404(alice: Any, client_for: Any) -> None:
    response = client_for(alice).get(case_url("7f1c6a39-1ad4-4c53-9d8c-4c1b3a6e8c11"))

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("member", ["petra", "sara", "leo"])
def test_other_agencies_need_consent(case: Any, member: str, request: pytest.FixtureRequest, client_for: Any) -> None:
    response = client_for(request.getfixturevalue(member)).get(case_url(case))

    assert response.status_code == 403
    assert response.json()["code"] == "consent_required"
    assert YOUTH["family_name"] not in response.content.decode()


def test_it_needs_a_token(case: Any, client_for: Any) -> None:
    response = client_for(None).get(case_url(case))

    assert response.status_code == 401
    assert response["Cache-Control"] == "no-store"
