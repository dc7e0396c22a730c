"""An SSPF meeting says which kind it is (the first with the family, a follow-up, the closing one),
which team members attended and who of the family was there; an action item may name the team
member who answers for it."""

from __future__ import annotations

from typing import Any

import pytest

from cases.models import ActionItem, Meeting
from cases.services import (
    MSG_DUPLICATE,
    MSG_PARTICIPANT_NOT_MEMBER,
    MSG_RESPONSIBLE_AGENCY,
    MSG_RESPONSIBLE_NOT_MEMBER,
)
from tests.conftest import case_url

pytestmark = pytest.mark.django_db


def meeting(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "held_at": "2026-02-10T09:00:00+01:00",
        "notes": "SSPF-möte med familjen.",
        "attendees": ["carl", "sara"],
        "present": ["youth", "guardian"],
        "actions": [
            {
                "agency": "school",
                "responsible": "Mentor",
                "responsible_user": "sara",
                "action": "Närvarouppföljning varje vecka",
                "due_at": "2026-03-01",
            }
        ],
    }
    body.update(overrides)
    return body


def test_a_v1_client_gets_an_initial_meeting_first_and_follow_ups_after(case: Any, carl: Any, client_for: Any) -> None:
    client = client_for(carl)
    v1 = {"held_at": "2026-02-10T09:00:00+01:00", "notes": "Första mötet."}

    first = client.post(case_url(case, "meetings/"), v1, format="json")
    second = client.post(case_url(case, "meetings/"), v1, format="json")

    assert (first.status_code, second.status_code) == (201, 201)
    assert [first.json()["kind"], second.json()["kind"]] == ["initial", "follow_up"]
    assert first.json()["attendees"] == [] and first.json()["present"] == []
    assert sorted(Meeting.objects.values_list("kind", flat=True)) == ["follow_up", "initial"]


def test_the_kind_given_is_kept(case: Any, carl: Any, client_for: Any) -> None:
    response = client_for(carl).post(case_url(case, "meetings/"), meeting(kind="closing"), format="json")

    assert response.status_code == 201
    assert response.json()["kind"] == "closing"
    assert Meeting.objects.get().kind == "closing"


def test_an_unknown_kind_is_named(case: Any, carl: Any, client_for: Any) -> None:
    response = client_for(carl).post(case_url(case, "meetings/"), meeting(kind="party"), format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["kind"]
    assert not Meeting.objects.exists()


def test_attendees_and_who_was_present_are_recorded_and_listed(
    case: Any, carl: Any, sara: Any, client_for: Any
) -> None:
    client = client_for(carl)

    created = client.post(case_url(case, "meetings/"), meeting(), format="json")
    listed = client.get(case_url(case, "meetings/")).json()["results"][0]

    assert created.status_code == 201
    for body in (created.json(), listed):
        assert body["attendees"] == ["carl", "sara"]
        assert body["present"] == ["youth", "guardian"]
        [action] = body["actions"]
        assert action["responsible_user"] == "sara"
        assert action["responsible"] == "Mentor"
        assert action["done_at"] is None and action["done_by"] is None
    stored = Meeting.objects.get()
    assert sorted(u.username for u in stored.attendees.all()) == ["carl", "sara"]
    assert ActionItem.objects.get().responsible_user == sara


def test_every_attendee_must_be_on_the_team(case: Any, carl: Any, olle: Any, client_for: Any) -> None:
    response = client_for(carl).post(case_url(case, "meetings/"), meeting(attendees=["carl", "olle"]), format="json")

    assert response.status_code == 400
    assert response.json() == {"attendees": [str(MSG_PARTICIPANT_NOT_MEMBER)]}
    assert not Meeting.objects.exists()


def test_an_attendee_named_twice_is_refused(case: Any, carl: Any, client_for: Any) -> None:
    response = client_for(carl).post(case_url(case, "meetings/"), meeting(attendees=["carl", "carl"]), format="json")

    assert response.status_code == 400
    assert response.json() == {"attendees": [str(MSG_DUPLICATE)]}


def test_who_was_present_takes_the_visits_roles_once_each(case: Any, carl: Any, client_for: Any) -> None:
    client = client_for(carl)

    unknown = client.post(case_url(case, "meetings/"), meeting(present=["neighbour"]), format="json")
    twice = client.post(case_url(case, "meetings/"), meeting(present=["youth", "youth"]), format="json")

    assert unknown.status_code == 400 and list(unknown.json()) == ["present"]
    assert twice.json() == {"present": [str(MSG_DUPLICATE)]}
    assert not Meeting.objects.exists()


def test_the_responsible_member_must_be_on_the_team(case: Any, carl: Any, olle: Any, client_for: Any) -> None:
    body = meeting()
    body["actions"][0] |= {"agency": "social_services", "responsible_user": "olle"}

    response = client_for(carl).post(case_url(case, "meetings/"), body, format="json")

    assert response.status_code == 400
    assert response.json() == {"actions": {"0": {"responsible_user": [str(MSG_RESPONSIBLE_NOT_MEMBER)]}}}
    assert not Meeting.objects.exists()


def test_the_responsible_member_works_for_the_items_agency(case: Any, carl: Any, client_for: Any) -> None:
    body = meeting()
    body["actions"].append({"agency": "leisure", "responsible": "Fältare", "responsible_user": "petra", "action": "x"})

    response = client_for(carl).post(case_url(case, "meetings/"), body, format="json")

    assert response.status_code == 400
    assert response.json() == {"actions": {"1": {"responsible_user": [str(MSG_RESPONSIBLE_AGENCY)]}}}
    assert not ActionItem.objects.exists()


def test_an_item_may_name_nobody_as_v1_clients_do(case: Any, carl: Any, client_for: Any) -> None:
    body = meeting()
    del body["actions"][0]["responsible_user"]

    response = client_for(carl).post(case_url(case, "meetings/"), body, format="json")

    assert response.status_code == 201
    assert response.json()["actions"][0]["responsible_user"] is None
    assert ActionItem.objects.get().responsible_user is None


@pytest.mark.parametrize("count", [2, 12])
def test_listing_meetings_with_attendees_and_responsible_members_costs_the_same_however_many(
    count: int, case: Any, carl: Any, client_for: Any, django_assert_max_num_queries: Any
) -> None:
    client = client_for(carl)
    for _ in range(count):
        client.post(case_url(case, "meetings/"), meeting(), format="json")

    # token, case, count, page, attendees, action items with their members, the audit insert,
    # the request's transaction: nothing per meeting
    with django_assert_max_num_queries(9):
        response = client.get(case_url(case, "meetings/"))

    assert response.json()["count"] == count
