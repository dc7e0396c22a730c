"""A joint home visit is recorded by Linköpingsmodellen's rules: on a Linköpingsmodellen case, about
a youth within the age band on the day, saying whether the family was told it is voluntary, with a
screening result only after an accepted offer, and a follow-up no earlier than the visit. (Police
and social services both taking part: tests/api/test_visits.py.)"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases import services
from cases.models import HomeVisit
from cases.services import (
    MSG_FOLLOW_UP_BEFORE_VISIT,
    MSG_INFORMED_VOLUNTARY,
    MSG_SCREENING_RESULT_WITHOUT_ACCEPT,
    MSG_VISIT_AGE,
    MSG_VISIT_LINKOPING_ONLY,
)
from tests.conftest import case_url

pytestmark = pytest.mark.django_db


def visit(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "occurred_at": (timezone.now() - timedelta(days=1)).isoformat(),
        "participants": ["alice", "petra"],
        "present": ["youth", "guardian"],
        "basis": "Tips om misstänkt narkotikakontakt",
        "notes": "",
        "outcome": "Familjen tackade ja till stöd",
        "informed_voluntary": True,
    }
    body.update(overrides)
    return body


def test_a_visit_on_an_sspf_case_is_refused(case: Any, alice: Any, client_for: Any) -> None:
    response = client_for(alice).post(case_url(case, "visits/"), visit(), format="json")

    assert response.status_code == 400
    assert response.json() == {"track": [str(MSG_VISIT_LINKOPING_ONLY)]}
    assert not HomeVisit.objects.exists()


def test_the_youth_must_be_in_the_age_band_on_the_day_of_the_visit(
    linkoping_case: Any, alice: Any, client_for: Any
) -> None:
    """The youth is 16 now: a visit two years ago met a 14-year-old."""
    two_years_ago = (timezone.now() - timedelta(days=2 * 365)).isoformat()

    response = client_for(alice).post(case_url(linkoping_case, "visits/"), visit(occurred_at=two_years_ago))

    assert response.status_code == 400
    assert response.json() == {"occurred_at": [MSG_VISIT_AGE.format(low=15, high=17)]}
    assert not HomeVisit.objects.exists()


def test_a_visit_before_the_youth_was_born_is_a_400_not_a_500(linkoping_case: Any, alice: Any, client_for: Any) -> None:
    """Found by a long fuzz run: a visit dated 2000-01-01 asked the youth's age on a day before
    their birth, which raised instead of refusing."""
    response = client_for(alice).post(case_url(linkoping_case, "visits/"), visit(occurred_at="2000-01-01T00:00:00Z"))

    assert response.status_code == 400
    assert response.json() == {"occurred_at": [MSG_VISIT_AGE.format(low=15, high=17)]}


def test_the_age_band_is_a_setting(linkoping_case: Any, alice: Any, client_for: Any, settings: Any) -> None:
    settings.LINKOPING_AGE_MAX = 15

    refused = client_for(alice).post(case_url(linkoping_case, "visits/"), visit(), format="json")
    settings.LINKOPING_AGE_MAX = 16
    accepted = client_for(alice).post(case_url(linkoping_case, "visits/"), visit(), format="json")

    assert refused.json() == {"occurred_at": [MSG_VISIT_AGE.format(low=15, high=15)]}
    assert accepted.status_code == 201


def test_whether_the_family_was_told_the_visit_is_voluntary_is_required(
    linkoping_case: Any, alice: Any, client_for: Any
) -> None:
    body = visit()
    del body["informed_voluntary"]

    response = client_for(alice).post(case_url(linkoping_case, "visits/"), body, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["informed_voluntary"]
    assert not HomeVisit.objects.exists()


def test_the_service_refuses_a_visit_that_does_not_say_it_either(linkoping_case: Any, alice: Any) -> None:
    with pytest.raises(ValidationError) as raised:
        services.visit_record(
            actor=alice,
            case=linkoping_case,
            occurred_at=timezone.now(),
            participants=["alice", "petra"],
            present=[],
            basis="b",
            notes="",
            outcome="o",
        )

    assert raised.value.message_dict == {"informed_voluntary": [str(MSG_INFORMED_VOLUNTARY)]}


@pytest.mark.parametrize("told", [True, False])
def test_either_answer_is_kept_and_shown(linkoping_case: Any, alice: Any, client_for: Any, told: bool) -> None:
    client = client_for(alice)

    created = client.post(case_url(linkoping_case, "visits/"), visit(informed_voluntary=told), format="json")
    listed = client.get(case_url(linkoping_case, "visits/")).json()["results"][0]

    assert created.status_code == 201
    assert created.json()["informed_voluntary"] is told
    assert listed["informed_voluntary"] is told
    assert HomeVisit.objects.get().informed_voluntary is told


@pytest.mark.parametrize(
    "screening",
    [
        {"offered": True, "accepted": False, "result": "negativt"},
        {"offered": True, "result": "negativt"},
        {"offered": False, "result": "negativt"},
    ],
)
def test_a_screening_result_needs_an_accepted_offer(
    linkoping_case: Any, alice: Any, client_for: Any, screening: dict[str, Any]
) -> None:
    response = client_for(alice).post(case_url(linkoping_case, "visits/"), visit(screening=screening), format="json")

    assert response.status_code == 400
    assert response.json() == {"screening": [str(MSG_SCREENING_RESULT_WITHOUT_ACCEPT)]}
    assert not HomeVisit.objects.exists()


def test_an_offered_accepted_screening_keeps_its_result(linkoping_case: Any, alice: Any, client_for: Any) -> None:
    screening = {"offered": True, "accepted": True, "result": "negativt"}

    response = client_for(alice).post(case_url(linkoping_case, "visits/"), visit(screening=screening), format="json")

    assert response.status_code == 201
    stored = HomeVisit.objects.select_related("case__key").get()
    assert (stored.screening_offered, stored.screening_accepted, stored.screening_result) == (True, True, "negativt")


def test_a_declined_screening_is_recorded_without_a_result(linkoping_case: Any, alice: Any, client_for: Any) -> None:
    screening = {"offered": True, "accepted": False}

    response = client_for(alice).post(case_url(linkoping_case, "visits/"), visit(screening=screening), format="json")

    assert response.status_code == 201
    assert response.json()["screening"] == {"offered": True, "accepted": False, "result": ""}


def test_the_follow_up_is_not_before_the_visit(linkoping_case: Any, alice: Any, client_for: Any) -> None:
    occurred = timezone.now() - timedelta(days=1)
    before = (timezone.localdate(occurred) - timedelta(days=1)).isoformat()
    same_day = timezone.localdate(occurred).isoformat()
    client = client_for(alice)

    refused = client.post(
        case_url(linkoping_case, "visits/"),
        visit(occurred_at=occurred.isoformat(), follow_up_at=before),
        format="json",
    )
    accepted = client.post(
        case_url(linkoping_case, "visits/"),
        visit(occurred_at=occurred.isoformat(), follow_up_at=same_day),
        format="json",
    )

    assert refused.json() == {"follow_up_at": [str(MSG_FOLLOW_UP_BEFORE_VISIT)]}
    assert accepted.status_code == 201
    assert HomeVisit.objects.get().follow_up_at.isoformat() == same_day


def test_follow_ups_due_are_found_by_date(linkoping_case: Any, alice: Any) -> None:
    """What a follow-up reminder is made of: visits whose follow_up_at has come (served by the
    partial index visit_follow_up_idx)."""
    today = timezone.localdate()
    for follow_up in (today, today + timedelta(days=10), None):
        services.visit_record(
            actor=alice,
            case=linkoping_case,
            occurred_at=timezone.now() - timedelta(days=1),
            participants=["alice", "petra"],
            present=["youth"],
            basis="b",
            notes="",
            outcome="o",
            informed_voluntary=True,
            follow_up_at=follow_up,
        )

    due = HomeVisit.objects.filter(follow_up_at__lte=today).values_list("follow_up_at", flat=True)

    assert list(due) == [today]
