"""Closing a case with an outcome, and four eyes on it: a coordinator closes at once; the owning
social worker's closure waits for a coordinator other than the requester, who approves (the case
closes) or rejects (it stays open)."""

from __future__ import annotations

from typing import Any

import pytest

from audit.models import AuditEntry
from cases.models import Case, ClosureRequest, Role, StaffProfile
from cases.services import (
    MSG_CLOSURE_COORDINATORS,
    MSG_CLOSURE_PENDING,
    MSG_NO_CLOSURE_REQUEST,
    MSG_OWN_CLOSURE_REQUEST,
)
from tests.conftest import case_url
from tests.consent.helpers import give, guardian_of

pytestmark = pytest.mark.django_db

REASON = "Familjen har flyttat till Göteborg"


def close(client: Any, case: Any, **body: Any) -> Any:
    return client.post(case_url(case, "close/"), {"reason": REASON, **body}, format="json")


def test_a_coordinator_closes_at_once_with_the_outcome(case: Any, carl: Any, client_for: Any) -> None:
    response = close(client_for(carl), case, outcome="moved")

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["outcome"]) == ("closed", "moved")
    assert response.json()["closure_request"] is None
    stored = Case.objects.select_related("key").get(pk=case.pk)
    assert (stored.status, stored.outcome, stored.close_reason) == ("closed", "moved", REASON)
    assert not ClosureRequest.objects.exists()


def test_the_outcome_defaults_to_other_and_is_checked(case: Any, carl: Any, client_for: Any) -> None:
    client = client_for(carl)

    bad = close(client, case, outcome="bored")
    good = close(client, case)

    assert bad.status_code == 400
    assert list(bad.json()) == ["outcome"]
    assert good.json()["outcome"] == "other"


def test_the_owning_social_worker_requests_and_the_case_stays_open(case: Any, alice: Any, client_for: Any) -> None:
    response = close(client_for(alice), case, outcome="goal_reached")

    assert response.status_code == 202
    assert response.json() == {"status": "closure_requested"}
    stored = Case.objects.get(pk=case.pk)
    assert (stored.status, stored.closed_at, stored.outcome, stored.version) == ("open", None, "", 1)
    request = ClosureRequest.objects.select_related("case__key").get()
    assert (request.status, request.outcome, request.requested_by, request.reason) == (
        "pending",
        "goal_reached",
        alice,
        REASON,
    )
    # The audit entry names the fields, never the reason.
    entry = AuditEntry.objects.get(event="create", object_pk=str(request.pk))
    assert entry.case_ref == case.pk and "reason" in entry.changed_fields
    assert REASON not in str(AuditEntry.objects.values_list("changed_fields", "fields_shown", "additional_data"))


def test_the_case_shows_the_pending_request_and_its_reason_only_to_social_services(
    case: Any, alice: Any, carl: Any, petra: Any, client_for: Any
) -> None:
    give(alice, case, guardian=guardian_of(case), agencies=["police"], categories=["identity"])
    close(client_for(alice), case, outcome="moved")

    social = client_for(carl).get(case_url(case)).json()["closure_request"]
    police = client_for(petra).get(case_url(case)).json()["closure_request"]

    assert social["requested_by"] == "alice" and social["outcome"] == "moved"
    assert social["reason"] == REASON
    assert police == {k: v for k, v in social.items() if k != "reason"}


def test_a_second_request_while_one_is_pending_is_a_conflict(case: Any, alice: Any, carl: Any, client_for: Any) -> None:
    close(client_for(alice), case)

    again = close(client_for(alice), case)
    coordinator = close(client_for(carl), case)

    for response in (again, coordinator):
        assert response.status_code == 409
        assert response.json() == {"detail": str(MSG_CLOSURE_PENDING), "code": "closure_pending"}
    assert ClosureRequest.objects.count() == 1
    assert Case.objects.get(pk=case.pk).status == "open"


def test_another_coordinator_approves_and_the_case_closes_as_requested(
    case: Any, alice: Any, carl: Any, client_for: Any
) -> None:
    close(client_for(alice), case, outcome="aged_out")

    response = client_for(carl).post(case_url(case, "close/approve/"), {}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["outcome"], body["closure_request"]) == ("closed", "aged_out", None)
    stored = Case.objects.select_related("key").get(pk=case.pk)
    assert (stored.status, stored.outcome, stored.close_reason) == ("closed", "aged_out", REASON)
    request = ClosureRequest.objects.get()
    assert (request.status, request.decided_by, request.decided_at) == ("approved", carl, stored.closed_at)


def test_a_rejected_request_leaves_the_case_open_with_the_reason_kept(
    case: Any, alice: Any, carl: Any, client_for: Any
) -> None:
    close(client_for(alice), case)

    response = client_for(carl).post(case_url(case, "close/reject/"), {"reason": "Insatsen pågår"}, format="json")

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["closure_request"]) == ("open", None)
    request = ClosureRequest.objects.select_related("case__key").get()
    assert (request.status, request.decided_by, request.decision_reason) == ("rejected", carl, "Insatsen pågår")
    assert Case.objects.get(pk=case.pk).status == "open"
    assert close(client_for(alice), case).status_code == 202  # a new request may follow


def test_a_rejection_needs_a_reason(case: Any, alice: Any, carl: Any, client_for: Any) -> None:
    close(client_for(alice), case)

    response = client_for(carl).post(case_url(case, "close/reject/"), {}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["reason"]
    assert ClosureRequest.objects.get().status == "pending"


@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_nobody_decides_their_own_request(case: Any, alice: Any, carl: Any, client_for: Any, decision: str) -> None:
    """Alice asked, then became a coordinator: four eyes still means someone else."""
    close(client_for(alice), case)
    profile = StaffProfile.objects.get(user=alice)
    profile.role = Role.COORDINATOR
    profile.save()

    response = client_for(alice).post(case_url(case, f"close/{decision}/"), {"reason": "x"}, format="json")

    assert response.status_code == 403
    assert response.json()["detail"] == str(MSG_OWN_CLOSURE_REQUEST)
    assert ClosureRequest.objects.get().status == "pending"
    assert Case.objects.get(pk=case.pk).status == "open"


@pytest.mark.parametrize("decision", ["approve", "reject"])
@pytest.mark.parametrize("member", ["alice", "petra", "sara"])
def test_only_a_coordinator_decides(
    case: Any, alice: Any, member: str, decision: str, request: pytest.FixtureRequest, client_for: Any
) -> None:
    close(client_for(alice), case)

    response = client_for(request.getfixturevalue(member)).post(
        case_url(case, f"close/{decision}/"), {"reason": "x"}, format="json"
    )

    assert response.status_code == 403
    assert response.json()["detail"] == str(MSG_CLOSURE_COORDINATORS)
    assert ClosureRequest.objects.get().status == "pending"


@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_a_coordinator_off_the_team_gets_404(case: Any, alice: Any, client_for: Any, decision: str) -> None:
    from cases.services import staff_create

    other = staff_create(
        username="cecilia", password="correct horse battery staple", role=Role.COORDINATOR, agency=case.owning_agency
    )
    close(client_for(alice), case)

    response = client_for(other).post(case_url(case, f"close/{decision}/"), {"reason": "x"}, format="json")

    assert response.status_code == 404
    assert ClosureRequest.objects.get().status == "pending"


@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_deciding_with_nothing_pending_is_a_conflict(case: Any, carl: Any, client_for: Any, decision: str) -> None:
    response = client_for(carl).post(case_url(case, f"close/{decision}/"), {"reason": "x"}, format="json")

    assert response.status_code == 409
    assert response.json() == {"detail": str(MSG_NO_CLOSURE_REQUEST), "code": "no_closure_request"}


def test_without_the_approval_setting_the_owner_closes_alone(
    case: Any, alice: Any, client_for: Any, settings: Any
) -> None:
    settings.CASE_CLOSURE_NEEDS_APPROVAL = False

    response = close(client_for(alice), case, outcome="consent_withdrawn")

    assert response.status_code == 200
    assert response.json()["outcome"] == "consent_withdrawn"
    assert not ClosureRequest.objects.exists()


def test_other_agencies_neither_close_nor_request(case: Any, petra: Any, client_for: Any) -> None:
    response = close(client_for(petra), case)

    assert response.status_code == 403
    assert not ClosureRequest.objects.exists()
