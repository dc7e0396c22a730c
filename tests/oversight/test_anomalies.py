"""Log review findings: denied attempts, emergency access, access out of office hours, unusual volume."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import case_url

pytestmark = pytest.mark.django_db


def test_anomalies_show_outsiders_emergency_and_denied(
    case: Any, alice: Any, olle: Any, sara: Any, audrey: Any, client_for: Any, settings: Any
) -> None:
    settings.AUDIT_OFFICE_HOURS = (0, 24)
    settings.AUDIT_OFFICE_WEEKDAYS = list(range(7))
    client_for(olle).get(case_url(case))  # denied
    olle_client = client_for(olle)
    olle_client.post(case_url(case, "emergency-access/"), {"reason": "Akut ärende i natt"})
    olle_client.get(case_url(case))  # inside emergency access: no outside_team finding

    findings = client_for(audrey).get("/api/v1/audit/anomalies").json()["findings"]

    kinds = sorted((f["kind"], f["actor"]) for f in findings)
    assert ("denied", "olle") in kinds
    assert ("emergency_access", "olle") in kinds
    assert ("outside_team", "olle") not in kinds
    assert all(f["case_number"] in ("", case.number) for f in findings)


def test_access_outside_office_hours_is_a_finding(
    case: Any, alice: Any, audrey: Any, client_for: Any, settings: Any
) -> None:
    settings.AUDIT_OFFICE_HOURS = (25, 26)  # nothing is inside office hours
    client_for(alice).get(case_url(case))

    findings = client_for(audrey).get("/api/v1/audit/anomalies").json()["findings"]

    assert ("out_of_hours", "alice") in {(f["kind"], f["actor"]) for f in findings}


def test_unusual_volume_is_a_finding(alice: Any, audrey: Any, client_for: Any, settings: Any) -> None:
    from tests.conftest import open_cases

    settings.AUDIT_DAILY_CASE_LIMIT = 2
    open_cases(alice, 3)
    client_for(alice).get("/api/v1/cases/")

    findings = client_for(audrey).get("/api/v1/audit/anomalies").json()["findings"]

    assert [(f["kind"], f["actor"]) for f in findings if f["kind"] == "unusual_volume"] == [("unusual_volume", "alice")]
