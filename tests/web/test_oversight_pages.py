"""The auditor's and the coordinator's pages on the server side: the log in plain Swedish with
cursor paging, the formula-safe CSV, anomalies, verifying the chain, a log check from start to
sign-off; each search leaves its own audit entry with validated filters only."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from audit.models import AuditEntry, LogReview
from content import case as case_content

pytestmark = pytest.mark.django_db


def text(response: Any) -> str:
    return response.content.decode()


def test_the_auditor_finds_who_read_a_case_in_plain_swedish(
    case: Any, alice: Any, audrey: Any, browser_for: Any
) -> None:
    case_content.case_detail(reader=alice, case_id=case.pk)
    auditor = browser_for(audrey)

    page = auditor.get("/audit/", {"case": case.number, "action": "access"})

    assert page.status_code == 200
    html = text(page)
    assert "alice läste identitet, anteckningar i " + case.number in html
    assert f"i {case.number}" in html
    assert "Kim" not in html and "Exempelsson" not in html  # never case content
    search = AuditEntry.objects.filter(actor_username="audrey", event="access").order_by("-id").first()
    assert search is not None and search.additional_data["filters"]["case"] == case.number


def test_cursor_paging_walks_the_whole_log_once(case: Any, alice: Any, audrey: Any, browser_for: Any) -> None:
    for _ in range(60):
        case_content.case_detail(reader=alice, case_id=case.pk)
    auditor = browser_for(audrey)
    first = text(auditor.get("/audit/", {"actor": "alice"}))
    assert "Äldre poster" in first
    cursor = first.split("before=")[1].split('"')[0]
    second = text(auditor.get(f"/audit/?actor=alice&before={cursor}"))
    ids_first = set(re.findall(r"<td>(\d+)</td></tr>", first))
    ids_second = set(re.findall(r"<td>(\d+)</td></tr>", second))
    assert ids_first and ids_second and not ids_first & ids_second
    assert len(ids_first | ids_second) == AuditEntry.objects.filter(actor_username="alice").count()


def test_the_csv_neutralises_formulas(audrey: Any, browser_for: Any, client: Any) -> None:
    formula = '=HYPERLINK("http://evil.example/","x")'
    get_user_model().objects.create(username=formula)  # an unknown name is logged as a hash only
    client.post("/login/", {"username": formula, "password": "x", "otp": "123456"})
    response = browser_for(audrey).get("/audit/entries.csv", {"action": "login_failed"})
    body = b"".join(response.streaming_content).decode()
    assert "\"'=HYPERLINK" in body
    assert AuditEntry.objects.filter(actor_username="audrey", event="export").exists()


def test_a_log_check_from_start_to_sign_off(case: Any, alice: Any, audrey: Any, browser_for: Any) -> None:
    case_content.case_detail(reader=alice, case_id=case.pk)
    auditor = browser_for(audrey)
    today = timezone.localdate()
    started = auditor.post(
        "/audit/reviews/", {"since": today.isoformat(), "until": today.isoformat(), "sample_size": 5}
    )
    assert started.status_code == 302
    review = LogReview.objects.get()
    page = text(auditor.get(started["Location"]))
    assert "Signera kontrollen" in page
    for item in review.items.all():
        marked = auditor.post(
            f"/audit/reviews/{review.pk}/items/{item.pk}/",
            {f"{item.pk}-verdict": "justified", f"{item.pk}-comment": "Ingår i teamet."},
        )
        assert marked.status_code == 302
    signed = auditor.post(f"/audit/reviews/{review.pk}/", {"conclusion": "Inga avvikelser."})
    assert signed.status_code == 302
    review.refresh_from_db()
    assert review.signed_off_at is not None and review.conclusion == "Inga avvikelser."
    assert "Signerad av audrey" in text(auditor.get(f"/audit/reviews/{review.pk}/"))


def test_anomalies_and_verification(audrey: Any, olle: Any, case: Any, browser_for: Any) -> None:
    browser_for(olle).get(f"/cases/{case.pk}/")  # a refused attempt: an anomaly
    auditor = browser_for(audrey)
    anomalies = text(auditor.get("/audit/anomalies/"))
    assert "Nekade försök" in anomalies
    verified = text(auditor.post("/audit/verify/"))
    assert "Kedjan är hel" in verified


def test_a_check_says_which_kinds_held_more_findings_than_it_takes(
    audrey: Any, olle: Any, case: Any, browser_for: Any, settings: Any
) -> None:
    settings.AUDIT_REVIEW_FINDINGS_PER_KIND = 1
    for _attempt in range(2):
        browser_for(olle).get(f"/cases/{case.pk}/")  # two refused attempts
    auditor = browser_for(audrey)
    today = timezone.localdate().isoformat()

    started = auditor.post("/audit/reviews/", {"since": today, "until": today, "sample_size": 0})

    review = LogReview.objects.get()
    assert review.findings_capped == ["denied"]
    assert review.items.filter(reason="denied").count() == 1
    page = text(auditor.get(started["Location"]))
    assert "Perioden har fler avvikelser än kontrollen tar av: Nekade försök." in page
