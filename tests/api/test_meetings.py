"""Meetings with their action plans are recorded, checked item by item, shared under consent, listed at a fixed cost."""

from __future__ import annotations

from typing import Any

import pytest

from cases.models import ActionItem
from tests.conftest import case_url

pytestmark = pytest.mark.django_db

MEETING = {
    "held_at": "2026-02-10T09:00:00+01:00",
    "notes": "Första SSPF-mötet med familjen.",
    "actions": [
        {
            "agency": "school",
            "responsible": "Mentor",
            "action": "Närvarouppföljning varje vecka",
            "due_at": "2026-03-01",
        },
        {"agency": "leisure", "responsible": "Fältare", "action": "Introducera till fritidsgården"},
    ],
}


def test_a_meeting_with_an_action_plan_is_recorded_and_listed(case: Any, carl: Any, client_for: Any) -> None:
    client = client_for(carl)

    created = client.post(case_url(case, "meetings/"), MEETING)
    listed = client.get(case_url(case, "meetings/"))

    assert created.status_code == 201
    assert [a["action"] for a in created.json()["actions"]] == [
        "Närvarouppföljning varje vecka",
        "Introducera till fritidsgården",
    ]
    assert listed.status_code == 200
    assert listed.json()["results"][0]["notes"] == MEETING["notes"]
    assert ActionItem.objects.count() == 2


def test_an_unknown_agency_in_the_plan_is_named(case: Any, carl: Any, client_for: Any) -> None:
    response = client_for(carl).post(
        case_url(case, "meetings/"), {**MEETING, "actions": [{"agency": "church", "responsible": "x", "action": "y"}]}
    )

    assert response.status_code == 400
    assert set(response.json()) == {"actions"}
    assert set(response.json()["actions"]["0"]) == {"agency"}  # the item at fault, by position


@pytest.mark.parametrize("member", ["petra", "sara", "leo"])
def test_meetings_need_consent_for_other_agencies(
    case: Any, carl: Any, member: str, request: pytest.FixtureRequest, client_for: Any
) -> None:
    client_for(carl).post(case_url(case, "meetings/"), MEETING)

    response = client_for(request.getfixturevalue(member)).get(case_url(case, "meetings/"))

    assert response.status_code == 403
    assert response.json()["code"] == "consent_required"


@pytest.mark.parametrize("count", [2, 12])
def test_listing_meetings_and_notes_costs_the_same_however_many(
    count: int, case: Any, carl: Any, client_for: Any, django_assert_max_num_queries: Any
) -> None:
    client = client_for(carl)
    for n in range(count):
        client.post(case_url(case, "meetings/"), MEETING)
        client.post(case_url(case, "notes/"), {"text": f"anteckning {n}"})

    # token, case, count, page, one prefetch of action items, the audit insert, savepoint pair
    with django_assert_max_num_queries(9):
        meetings = client.get(case_url(case, "meetings/"))
    with django_assert_max_num_queries(8):
        notes = client.get(case_url(case, "notes/"))

    assert meetings.json()["count"] == count
    assert notes.json()["count"] == count
