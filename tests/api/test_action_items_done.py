"""An action-plan item is marked done once, by social services on the team (who record the
meetings); an open item past its due date is what a reminder to its responsible member is made of."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from audit.models import AuditEntry
from cases import services
from cases.models import ActionItem
from cases.services import MSG_ALREADY_DONE, MSG_FUTURE
from tests.conftest import case_url
from tests.factories import personal_number_for_age

pytestmark = pytest.mark.django_db


@pytest.fixture
def item(case: Any, carl: Any) -> ActionItem:
    meeting = services.meeting_record(
        actor=carl,
        case=case,
        held_at=timezone.now() - timedelta(days=30),
        actions=[
            {
                "agency": "school",
                "responsible": "Mentor",
                "responsible_user": "sara",
                "action": "Närvarouppföljning",
                "due_at": timezone.localdate() - timedelta(days=3),
            }
        ],
    )
    return meeting.actions.get()


def done_url(item: ActionItem) -> str:
    return case_url(item.case_id, f"meetings/{item.meeting_id}/actions/{item.pk}/done/")


def test_a_social_worker_marks_an_item_done(item: ActionItem, alice: Any, client_for: Any) -> None:
    response = client_for(alice).post(done_url(item), {}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(item.pk)
    assert body["done_at"] == timezone.localdate().isoformat()
    assert body["done_by"] == "alice"
    assert body["responsible_user"] == "sara"
    stored = ActionItem.objects.get(pk=item.pk)
    assert (stored.done_at, stored.done_by.username) == (timezone.localdate(), "alice")
    [entry] = AuditEntry.objects.filter(event="update", object_pk=str(item.pk))
    assert sorted(entry.changed_fields) == ["done_at", "done_by"]


def test_a_date_in_the_past_is_kept_and_one_in_the_future_is_refused(
    item: ActionItem, alice: Any, client_for: Any
) -> None:
    client = client_for(alice)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()

    future = client.post(done_url(item), {"done_at": tomorrow}, format="json")
    past = client.post(done_url(item), {"done_at": "2026-01-15"}, format="json")

    assert future.status_code == 400
    assert future.json() == {"done_at": [str(MSG_FUTURE)]}
    assert past.status_code == 200
    assert ActionItem.objects.get(pk=item.pk).done_at.isoformat() == "2026-01-15"


def test_marking_it_done_again_is_a_conflict(item: ActionItem, alice: Any, carl: Any, client_for: Any) -> None:
    client_for(alice).post(done_url(item), {}, format="json")

    again = client_for(carl).post(done_url(item), {}, format="json")

    assert again.status_code == 409
    assert again.json() == {"detail": str(MSG_ALREADY_DONE), "code": "already_done"}
    assert ActionItem.objects.get(pk=item.pk).done_by.username == "alice"


@pytest.mark.parametrize("member", ["petra", "sara", "leo"])
def test_other_agencies_do_not_mark_items_done(
    item: ActionItem, member: str, request: pytest.FixtureRequest, client_for: Any
) -> None:
    """Not even the item's own responsible member (sara): the plan is social services' record."""
    response = client_for(request.getfixturevalue(member)).post(done_url(item), {}, format="json")

    assert response.status_code == 403
    assert ActionItem.objects.get(pk=item.pk).done_at is None


def test_outsiders_get_404(item: ActionItem, olle: Any, client_for: Any) -> None:
    response = client_for(olle).post(done_url(item), {}, format="json")

    assert response.status_code == 404
    assert ActionItem.objects.get(pk=item.pk).done_at is None


def test_an_item_of_another_meeting_or_case_is_404(
    item: ActionItem, case: Any, alice: Any, carl: Any, client_for: Any
) -> None:
    other_meeting = services.meeting_record(actor=carl, case=case, held_at=timezone.now())
    other_case = services.case_open(
        actor=alice,
        track="sspf",
        youth={"personal_number": personal_number_for_age(13, serial=202), "given_name": "A", "family_name": "B"},
        district="Norr",
    )
    client = client_for(alice)

    wrong_meeting = client.post(
        case_url(case, f"meetings/{other_meeting.pk}/actions/{item.pk}/done/"), {}, format="json"
    )
    wrong_case = client.post(
        case_url(other_case, f"meetings/{item.meeting_id}/actions/{item.pk}/done/"), {}, format="json"
    )

    assert (wrong_meeting.status_code, wrong_case.status_code) == (404, 404)
    assert ActionItem.objects.get(pk=item.pk).done_at is None


def test_nothing_is_marked_on_a_closed_case(item: ActionItem, case: Any, carl: Any, client_for: Any) -> None:
    services.case_close(actor=carl, case=case, reason="Klart")

    response = client_for(carl).post(done_url(item), {}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "case_closed"


def test_open_overdue_items_are_found_per_responsible_member(item: ActionItem, sara: Any, carl: Any) -> None:
    """What a reminder to the responsible member is made of: their open items due before today
    (served by the partial index action_open_due_idx)."""

    def overdue() -> list[Any]:
        return list(
            ActionItem.objects.filter(
                responsible_user=sara, done_at__isnull=True, due_at__lt=timezone.localdate()
            ).values_list("pk", flat=True)
        )

    assert overdue() == [item.pk]
    services.action_item_done(actor=carl, item=item)
    assert overdue() == []
