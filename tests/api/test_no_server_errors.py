"""Inputs that used to be server errors (issue 15, item 7) are clear 400s and 404s, and a date
outside 1900-2100 is refused wherever the API reads one."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, connections
from django.test import override_settings
from django.utils import timezone

from api.inputs import MSG_DATE_RANGE
from api.parsers import MSG_TOO_DEEP
from audit.models import LogReview
from tests.conftest import case_url
from tests.consent.test_consent_record import valid_body
from tests.contract import ConformingClient

pytestmark = pytest.mark.django_db


def test_a_thousand_nested_brackets_at_login_are_a_400() -> None:
    body = '{"username": ' + "[" * 1000 + "]" * 1000 + ', "password": "x", "otp": "123456"}'

    response = ConformingClient().post("/api/v1/auth/login", body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["detail"] == str(MSG_TOO_DEEP)


def test_a_nul_byte_in_a_path_segment_is_a_404(case: Any, alice: Any, client_for: Any) -> None:
    client = client_for(alice)
    client.raise_request_exception = False

    response = client.delete(f"/api/v1/cases/{case.pk}/members/a%00b/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("valid_from", ["9999-12-31T00:00:00+01:00", "1899-12-31T00:00:00Z", "0001-01-01T00:00:00Z"])
def test_a_consent_from_outside_1900_2100_is_a_400(case: Any, alice: Any, client_for: Any, valid_from: str) -> None:
    body = valid_body(case, valid_from=valid_from)
    del body["valid_until"]  # year 9999 plus the longest validity overflowed in the month arithmetic

    response = client_for(alice).post(case_url(case, "consents/"), body, format="json")

    assert response.status_code == 400
    assert response.json()["valid_from"] == [str(MSG_DATE_RANGE)]


@pytest.mark.parametrize(
    "query,field",
    [
        ("until=0001-01-02T00:00:00Z", "until"),
        ("since=9999-12-31T23:59:59Z", "since"),
        ("until=9999-12-31T23:59:59%2B14:00", "until"),
    ],
)
def test_the_anomaly_search_refuses_times_outside_1900_2100(
    audrey: Any, client_for: Any, query: str, field: str
) -> None:
    response = client_for(audrey).get(f"/api/v1/audit/anomalies?{query}")

    assert response.status_code == 400
    assert response.json() == {field: [str(MSG_DATE_RANGE)]}


def test_the_audit_search_refuses_times_outside_1900_2100(audrey: Any, client_for: Any) -> None:
    response = client_for(audrey).get("/api/v1/audit/entries/?until=0001-01-02T00:00:00Z")

    assert response.status_code == 400
    assert response.json() == {"until": [str(MSG_DATE_RANGE)]}


@override_settings(AUDIT_REVIEW_MAX_DAYS=31)
def test_a_log_check_or_anomaly_search_longer_than_the_setting_is_a_400(audrey: Any, client_for: Any) -> None:
    client = client_for(audrey)
    end = timezone.now().replace(microsecond=0)
    start = end - timedelta(days=32)

    review = client.post(
        "/api/v1/audit/reviews/", {"period_start": start.isoformat(), "period_end": end.isoformat()}, format="json"
    )
    search = client.get("/api/v1/audit/anomalies", {"since": start.isoformat(), "until": end.isoformat()})
    within = client.post(
        "/api/v1/audit/reviews/",
        {"period_start": (end - timedelta(days=31)).isoformat(), "period_end": end.isoformat()},
        format="json",
    )

    assert review.status_code == 400
    assert "31" in review.json()["period_end"][0]
    assert search.status_code == 400
    assert "31" in search.json()["since"][0]
    assert within.status_code == 201


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises writers; PostgreSQL shows the race")
def test_eight_auditors_starting_the_first_log_check_at_once_all_get_201(audrey: Any) -> None:
    """The 500 the review saw under concurrent POST /audit/reviews/ was the first use of the
    reviews' system key (its encrypted conclusion): eight requests each created the key row and
    all but one failed on its primary key. Now created once under an advisory lock."""
    end = timezone.now().replace(microsecond=0)
    body = {"period_start": (end - timedelta(days=1)).isoformat(), "period_end": end.isoformat()}
    barrier = threading.Barrier(8)
    statuses: list[int] = []

    def start() -> None:
        try:
            client = ConformingClient()
            client.raise_request_exception = False
            client.force_authenticate(audrey)
            barrier.wait(timeout=10)
            statuses.append(client.post("/api/v1/audit/reviews/", body, format="json").status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert statuses == [201] * 8
    assert LogReview.objects.count() == 8
