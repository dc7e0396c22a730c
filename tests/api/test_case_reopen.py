"""A coordinator on the team reopens a closed case within its retention period, with a reason;
the reopening keeps how the case had been closed, and is audited."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from audit.models import AuditEntry
from cases import services
from cases.models import Case, CaseReopening
from cases.querysets import bulk_writes_allowed
from cases.services import MSG_CLOSURE_COORDINATORS
from oversight.reopen import MSG_NOT_CLOSED, MSG_RETENTION_PASSED
from tests.conftest import case_url

pytestmark = pytest.mark.django_db

WHY = "Ny orosanmälan från skolan"


@pytest.fixture
def closed(case: Any, carl: Any) -> Case:
    return services.case_close(actor=carl, case=case, reason="Målet uppnått", outcome="goal_reached")


def reopen(client: Any, case: Any, **body: Any) -> Any:
    return client.post(case_url(case, "reopen/"), {"reason": WHY, **body}, format="json")


def test_a_coordinator_reopens_a_closed_case(closed: Case, carl: Any, client_for: Any) -> None:
    response = reopen(client_for(carl), closed)

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["closed_at"], body["outcome"], body["version"]) == ("open", None, None, 3)
    stored = Case.objects.select_related("key").get(pk=closed.pk)
    assert (stored.status, stored.closed_at, stored.outcome, stored.close_reason) == ("open", None, "", None)
    reopening = CaseReopening.objects.select_related("case__key").get()
    assert (reopening.reason, reopening.reopened_by.username) == (WHY, "carl")
    assert (reopening.closed_at, reopening.outcome, reopening.close_reason) == (
        closed.closed_at,
        "goal_reached",
        "Målet uppnått",
    )


def test_the_reopening_is_audited_without_its_reason(closed: Case, carl: Any, client_for: Any) -> None:
    mark = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first()

    reopen(client_for(carl), closed)

    entries = AuditEntry.objects.filter(pk__gt=mark, case_ref=closed.pk)
    events = {(e.content_type.model, e.event) for e in entries}
    assert {("casereopening", "create"), ("case", "update")} <= events
    update = entries.get(content_type__model="case", event="update")
    assert {"status", "closed_at", "outcome"} <= set(update.changed_fields)
    assert WHY not in str(list(entries.values_list("changed_fields", "fields_shown", "additional_data")))


def test_a_reopened_case_takes_records_and_can_be_closed_again(
    closed: Case, alice: Any, carl: Any, client_for: Any
) -> None:
    reopen(client_for(carl), closed)

    note = client_for(alice).post(case_url(closed, "notes/"), {"text": "Ny anteckning"}, format="json")
    again = client_for(carl).post(case_url(closed, "close/"), {"reason": "Klart igen", "outcome": "moved"})

    assert note.status_code == 201
    assert (again.status_code, again.json()["outcome"]) == (200, "moved")


def test_an_open_case_is_not_reopened(case: Any, carl: Any, client_for: Any) -> None:
    response = reopen(client_for(carl), case)

    assert response.status_code == 409
    assert response.json() == {"detail": str(MSG_NOT_CLOSED), "code": "case_open"}
    assert not CaseReopening.objects.exists()


def test_past_its_retention_period_a_case_stays_closed(closed: Case, carl: Any, client_for: Any, settings: Any) -> None:
    years = settings.CASE_RETENTION_YEARS["sspf"]
    with bulk_writes_allowed():  # time travel
        Case.objects.filter(pk=closed.pk).update(closed_at=timezone.now() - timedelta(days=365 * years + 2))

    response = reopen(client_for(carl), closed)

    assert response.status_code == 409
    assert response.json() == {"detail": str(MSG_RETENTION_PASSED), "code": "retention_passed"}
    assert Case.objects.get(pk=closed.pk).status == "closed"


def test_just_within_its_retention_period_it_reopens(closed: Case, carl: Any, client_for: Any, settings: Any) -> None:
    years = settings.CASE_RETENTION_YEARS["sspf"]
    with bulk_writes_allowed():
        Case.objects.filter(pk=closed.pk).update(closed_at=timezone.now() - timedelta(days=365 * years - 2))

    assert reopen(client_for(carl), closed).status_code == 200


@pytest.mark.parametrize("member", ["alice", "petra", "sara"])
def test_only_a_coordinator_reopens(closed: Case, member: str, request: pytest.FixtureRequest, client_for: Any) -> None:
    response = reopen(client_for(request.getfixturevalue(member)), closed)

    assert response.status_code == 403
    assert response.json()["detail"] == str(MSG_CLOSURE_COORDINATORS)
    assert Case.objects.get(pk=closed.pk).status == "closed"


def test_outsiders_get_404(closed: Case, olle: Any, client_for: Any) -> None:
    assert reopen(client_for(olle), closed).status_code == 404
    assert Case.objects.get(pk=closed.pk).status == "closed"


def test_a_reason_is_required(closed: Case, carl: Any, client_for: Any) -> None:
    response = client_for(carl).post(case_url(closed, "reopen/"), {}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["reason"]
    assert Case.objects.get(pk=closed.pk).status == "closed"


def test_the_retention_clock_is_the_purges_and_runs_from_the_last_entry(
    closed: Case, alice: Any, carl: Any, client_for: Any, settings: Any
) -> None:
    """Closed long ago, but something was recorded on the case since (here a note, moved in time):
    the retention period runs from that entry, so the case may still be reopened."""
    from cases.models import Note

    years = settings.CASE_RETENTION_YEARS["sspf"]
    note = Note.objects.create(case=closed, category="notes", text="x", author=alice, agency=closed.owning_agency)
    with bulk_writes_allowed():  # time travel
        Case.objects.filter(pk=closed.pk).update(closed_at=timezone.now() - timedelta(days=365 * years + 30))
        Note.objects.filter(pk=note.pk).update(created_at=timezone.now() - timedelta(days=365))

    assert reopen(client_for(carl), closed).status_code == 200
