"""The registerutdrag holds the process records too: the outcome, every closure request with its
decision, every reopening, a meeting's kind, attendees and who was present, who answers for an
action and who marked it done, and whether a visit's family was told it is voluntary."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from cases import services
from oversight.reopen import case_reopen
from tests.conftest import case_url

pytestmark = pytest.mark.django_db


def test_closures_reopenings_and_meetings_are_in_the_report(case: Any, alice: Any, carl: Any, client_for: Any) -> None:
    meeting = services.meeting_record(
        actor=carl,
        case=case,
        held_at=timezone.now(),
        attendees=["carl", "sara"],
        present=["guardian"],
        actions=[{"agency": "school", "responsible": "Mentor", "responsible_user": "sara", "action": "Närvaro"}],
    )
    services.action_item_done(actor=alice, item=meeting.actions.get())
    services.case_close(actor=alice, case=case, reason="Vill avsluta", outcome="moved")
    services.case_closure_reject(actor=carl, case=case, reason="Flytten är inte klar")
    services.case_close(actor=carl, case=case, reason="Har flyttat", outcome="moved")
    case_reopen(actor=carl, case=case, reason="Flyttade tillbaka")

    report = client_for(alice).get(case_url(case, "subject-report")).json()

    assert report["case"]["outcome"] is None  # open again
    [request] = report["closure_requests"]
    assert (request["reason"], request["status"], request["decision_reason"]) == (
        "Vill avsluta",
        "rejected",
        "Flytten är inte klar",
    )
    assert (request["requested_by"], request["decided_by"]) == ("alice", "carl")
    [reopening] = report["reopenings"]
    assert (reopening["reason"], reopening["outcome"], reopening["close_reason"]) == (
        "Flyttade tillbaka",
        "moved",
        "Har flyttat",
    )
    [shown] = report["meetings"]
    assert (shown["kind"], sorted(shown["attendees"]), shown["present"]) == ("initial", ["carl", "sara"], ["guardian"])
    assert (shown["actions"][0]["responsible_user"], shown["actions"][0]["done_by"]) == ("sara", "alice")
    # and the printable report shows the closure history too
    html = client_for(alice).get(case_url(case, "subject-report"), {"format": "html"}).content.decode()
    assert "Flytten är inte klar" in html and "Flyttade tillbaka" in html


def test_a_visits_informed_voluntary_is_in_the_report(linkoping_case: Any, alice: Any, client_for: Any) -> None:
    services.visit_record(
        actor=alice,
        case=linkoping_case,
        occurred_at=timezone.now() - timedelta(hours=1),
        participants=["alice", "petra"],
        present=["youth"],
        basis="b",
        notes="",
        outcome="o",
        informed_voluntary=False,
    )

    report = client_for(alice).get(case_url(linkoping_case, "subject-report")).json()

    assert report["visits"][0]["informed_voluntary"] is False
