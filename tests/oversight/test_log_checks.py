"""Log checks (loggkontroll): sample plus anomalies, each judged, then signed off and kept."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from audit.models import AuditEntry, LogReview, LogReviewItem
from oversight.log_reviews import MSG_COMMENT_REQUIRED
from tests.conftest import case_url

pytestmark = pytest.mark.django_db

REVIEWS = "/api/v1/audit/reviews/"


@pytest.fixture(autouse=True)
def office_hours_all_day(settings: Any) -> None:
    # The suite may run at night or on a Sunday: no out-of-hours findings.
    settings.AUDIT_OFFICE_HOURS = (0, 24)
    settings.AUDIT_OFFICE_WEEKDAYS = list(range(7))


def start(client: Any, sample_size: int = 5) -> dict[str, Any]:
    now = timezone.now()
    response = client.post(
        REVIEWS,
        {
            "period_start": (now - timedelta(hours=1)).isoformat(),
            "period_end": now.isoformat(),
            "sample_size": sample_size,
        },
    )
    assert response.status_code == 201, response.json()
    return response.json()


def test_a_review_draws_a_sample_and_every_anomaly(
    case: Any, alice: Any, olle: Any, audrey: Any, client_for: Any
) -> None:
    client_for(alice).get(case_url(case))
    client_for(alice).get(case_url(case, "notes/"))
    client_for(olle).get(case_url(case))  # denied: an anomaly

    review = start(client_for(audrey), sample_size=1)

    reasons = sorted(item["reason"] for item in review["items"])
    assert reasons.count("sample") == 1
    assert "denied" in reasons
    assert review["summary"]["unmarked"] == len(review["items"])


def test_marking_and_signing_off(case: Any, alice: Any, audrey: Any, client_for: Any) -> None:
    client_for(alice).get(case_url(case))
    auditor = client_for(audrey)
    review = start(auditor, sample_size=1)
    [item] = review["items"]
    url = f"{REVIEWS}{review['id']}/"

    early = auditor.post(url + "sign-off/", {"conclusion": "Klart"})
    assert early.status_code == 409
    assert early.json()["code"] == "review_incomplete"

    no_reason = auditor.post(f"{url}items/{item['id']}/", {"verdict": "unjustified"})
    assert no_reason.status_code == 400
    assert no_reason.json() == {"comment": [str(MSG_COMMENT_REQUIRED)]}

    marked = auditor.post(
        f"{url}items/{item['id']}/", {"verdict": "unjustified", "comment": "Ingen tjänstgöring den dagen"}
    )
    assert marked.status_code == 200
    assert marked.json()["comment"] == "Ingen tjänstgöring den dagen"

    signed = auditor.post(url + "sign-off/", {"conclusion": "En åtkomst utreds vidare."})
    assert signed.status_code == 200
    assert signed.json()["signed_off_by"] == "audrey"
    assert signed.json()["summary"]["unjustified"] == 1
    again = auditor.post(f"{url}items/{item['id']}/", {"verdict": "justified"})
    assert again.status_code == 409
    assert [r["id"] for r in auditor.get(REVIEWS).json()] == [review["id"]]
    kept = auditor.get(url).json()
    assert kept["conclusion"] == "En åtkomst utreds vidare." and kept["items"][0]["verdict"] == "unjustified"
    assert AuditEntry.objects.filter(event="review", actor_username="audrey").count() >= 3


def test_review_comments_are_stored_encrypted(case: Any, alice: Any, audrey: Any, client_for: Any) -> None:
    client_for(alice).get(case_url(case))
    auditor = client_for(audrey)
    review = start(auditor, sample_size=1)
    item = review["items"][0]
    auditor.post(
        f"{REVIEWS}{review['id']}/items/{item['id']}/", {"verdict": "unjustified", "comment": "Hemlig kommentar"}
    )

    with connection.cursor() as cursor:
        cursor.execute("SELECT comment FROM audit_logreviewitem")
        stored = [row[0] for row in cursor.fetchall()]

    assert stored and all("Hemlig" not in value for value in stored)
    assert LogReviewItem.objects.get(pk=item["id"]).comment == "Hemlig kommentar"
    assert LogReview.objects.count() == 1


def test_a_period_in_the_future_is_refused(audrey: Any, client_for: Any) -> None:
    now = timezone.now()
    response = client_for(audrey).post(
        REVIEWS, {"period_start": now.isoformat(), "period_end": (now + timedelta(days=1)).isoformat()}
    )

    assert response.status_code == 400
    assert set(response.json()) == {"period_end"}
