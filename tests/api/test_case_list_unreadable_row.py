"""One case whose content does not decrypt does not fail the list: the list answers, that row is
marked unreadable, and the auditors get an alert (issue 15, item 8c)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from audit.models import AuditEntry, AuditEvent
from cases.models import Case
from tests.conftest import YOUTH, open_cases

pytestmark = pytest.mark.django_db

URL = "/api/v1/cases/"


def damage(sql: str, case: Case, value: Any) -> None:
    """What a broken restore or a hand edit in the database leaves: a value that does not decrypt."""
    with connection.cursor() as cursor:
        cursor.execute(sql, [value, Case._meta.pk.get_db_prep_value(case.pk, connection)])


def test_a_damaged_row_is_marked_and_the_others_are_shown(alice: Any, audrey: Any, client_for: Any) -> None:
    readable, damaged_value, damaged_key = open_cases(alice, 3)
    damage("UPDATE cases_youth SET given_name = %s WHERE case_id = %s", damaged_value, "v1$abc$" + "A" * 40)
    damage("UPDATE cases_casekey SET wrapped = %s WHERE case_id = %s", damaged_key, b"\0" * 60)

    response = client_for(alice).get(URL)

    assert response.status_code == 200
    rows = {row["number"]: row for row in response.json()["results"]}
    assert len(rows) == 3
    assert rows[readable.number]["youth"]["family_name"] == YOUTH["family_name"]
    assert "unreadable" not in rows[readable.number]
    for case in (damaged_value, damaged_key):
        row = rows[case.number]
        assert row["unreadable"] is True
        assert "youth" not in row
        assert (row["id"], row["status"], row["version"]) == (str(case.pk), case.status, case.version)
    assert "AAAA" not in response.content.decode()

    alerts = AuditEntry.objects.filter(event=AuditEvent.ALERT)
    assert sorted(alerts.values_list("case_number", flat=True)) == sorted([damaged_value.number, damaged_key.number])
    assert {(a.actor_username, a.additional_data["code"]) for a in alerts} == {("alice", "unreadable")}
    # The damaged rows' identity was not shown, so the access entries do not say it was.
    shown = dict(
        AuditEntry.objects.filter(event=AuditEvent.ACCESS, actor_username="alice").values_list(
            "case_number", "fields_shown"
        )
    )
    assert shown[readable.number] == ["identity"]
    assert shown[damaged_value.number] == shown[damaged_key.number] == []

    findings = client_for(audrey).get("/api/v1/audit/anomalies").json()["findings"]
    assert sorted(f["case_number"] for f in findings if f["kind"] == "alert") == sorted(
        [damaged_value.number, damaged_key.number]
    )
    assert {f["detail"] for f in findings if f["kind"] == "alert"} == {"unreadable"}


def test_the_case_itself_still_fails_loudly_rather_than_showing_empty_fields(alice: Any, client_for: Any) -> None:
    (case,) = open_cases(alice, 1)
    damage("UPDATE cases_youth SET family_name = %s WHERE case_id = %s", case, "v1$abc$" + "A" * 40)

    client = client_for(alice)
    client.raise_request_exception = False
    response = client.get(f"{URL}{case.pk}/")

    assert response.status_code == 500
    assert "AAAA" not in response.content.decode()
