"""A reporter sees their own referrals only, and of them only the number, status and dates: never
the content and never the case. Another reporter's referral does not exist for them (404)."""

from __future__ import annotations

from typing import Any

import pytest

from cases.errors import MSG_NOT_FOUND
from cases.permissions import MSG_SOCIAL_SERVICES_ONLY
from referrals import services
from tests.referrals.helpers import CONCERN, FAMILY, GIVEN, URL, decide_url, detail_url, file, pnr_forms

pytestmark = pytest.mark.django_db

STATUS_ONLY = {"id", "number", "status", "received_at", "decided_at"}
NOT_FOUND = {"detail": str(MSG_NOT_FOUND), "code": "not_found"}


def assert_no_content(text: str) -> None:
    for value in (CONCERN, GIVEN, FAMILY, *pnr_forms()):
        assert value not in text


def test_the_list_holds_only_the_reporters_own(sara: Any, petra: Any, client_for: Any) -> None:
    mine = [file(sara), file(sara, serial=202)]
    file(petra, serial=203)

    response = client_for(sara).get(URL)

    body = response.json()
    assert body["count"] == 2
    assert {item["id"] for item in body["results"]} == {str(r.pk) for r in mine}
    assert all(set(item) == STATUS_ONLY for item in body["results"])
    assert_no_content(response.content.decode())


def test_a_reporter_reads_status_and_dates_of_their_own(sara: Any, client_for: Any) -> None:
    referral = file(sara)

    response = client_for(sara).get(detail_url(referral))

    assert response.status_code == 200
    assert response.json() == {
        "id": str(referral.pk),
        "number": referral.number,
        "status": "received",
        "received_at": response.json()["received_at"],
        "decided_at": None,
    }
    assert_no_content(response.content.decode())


def test_the_reporter_sees_the_decision_but_never_the_case(sara: Any, alice: Any, client_for: Any) -> None:
    referral = file(sara)
    decided = services.referral_decide(
        actor=alice, referral=referral, decision="open_case", reason="Skäl", track="sspf", district="Centrum"
    )
    client = client_for(sara)

    detail, listed = client.get(detail_url(referral)), client.get(URL)

    assert detail.json()["status"] == "open_case"
    assert detail.json()["decided_at"] is not None
    assert set(detail.json()) == STATUS_ONLY
    for response in (detail, listed):
        text = response.content.decode()
        assert str(decided.case_id) not in text
        assert decided.case is not None and decided.case.number not in text
        assert "Skäl" not in text
        assert_no_content(text)


def test_another_reporters_referral_is_404(sara: Any, petra: Any, leo: Any, client_for: Any) -> None:
    referral = file(petra)

    for user in (sara, leo):
        response = client_for(user).get(detail_url(referral))
        assert response.status_code == 404
        assert response.json() == NOT_FOUND


def test_an_unknown_id_is_the_same_404(sara: Any, client_for: Any) -> None:
    response = client_for(sara).get(detail_url("7f1c6a39-1ad4-4c53-9d8c-4c1b3a6e8c11"))

    assert response.status_code == 404
    assert response.json() == NOT_FOUND


def test_the_reporter_may_not_decide_their_own(sara: Any, client_for: Any) -> None:
    referral = file(sara)

    response = client_for(sara).post(decide_url(referral), {"decision": "no_action", "reason": "r"}, format="json")

    assert response.status_code == 403
    assert response.json() == {"detail": str(MSG_SOCIAL_SERVICES_ONLY), "code": "permission_denied"}


def test_other_agencies_cannot_even_tell_a_referral_exists(sara: Any, petra: Any, client_for: Any) -> None:
    referral = file(sara)

    response = client_for(petra).post(decide_url(referral), {"decision": "no_action", "reason": "r"}, format="json")

    assert response.status_code == 404
    assert response.json() == NOT_FOUND


@pytest.mark.parametrize("role", ["audrey", "adam"])
def test_auditors_and_admins_get_403_on_the_list_and_404_on_a_referral(
    role: str, sara: Any, request: pytest.FixtureRequest, client_for: Any
) -> None:
    referral = file(sara)
    client = client_for(request.getfixturevalue(role))

    listed = client.get(URL)
    detail = client.get(detail_url(referral))
    decide = client.post(decide_url(referral), {"decision": "no_action", "reason": "r"}, format="json")

    assert listed.status_code == 403
    assert (detail.status_code, decide.status_code) == (404, 404)
    assert detail.json() == decide.json() == NOT_FOUND
    for response in (listed, detail, decide):
        assert referral.number not in response.content.decode()
        assert_no_content(response.content.decode())
