"""Log review findings: denied attempts, emergency access, access out of office hours, unusual volume."""

from __future__ import annotations

from datetime import datetime
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


def findings_of(client: Any, kind: str) -> list[str]:
    return [f["actor"] for f in client.get("/api/v1/audit/anomalies").json()["findings"] if f["kind"] == kind]


def test_access_by_someone_not_on_the_team_is_a_finding(
    case: Any, olle: Any, audrey: Any, client_for: Any, settings: Any
) -> None:
    """The API never shows a case outside the team but through emergency access; an access entry
    that names someone else (a path that slipped past it, a database session) is a finding, and an
    emergency access opened afterwards does not cover it."""
    from audit.models import AuditEvent
    from audit.services import record
    from cases.models import Case

    settings.AUDIT_OFFICE_HOURS = (0, 24)
    settings.AUDIT_OFFICE_WEEKDAYS = list(range(7))
    record(event=AuditEvent.ACCESS, model=Case, object_pk=str(case.pk), case=case, actor=olle, fields=["identity"])
    client_for(olle).post(case_url(case, "emergency-access/"), {"reason": "Akut ärende i natt"})

    assert findings_of(client_for(audrey), "outside_team") == ["olle"]


def test_another_agencys_reads_after_a_withdrawal_are_findings(
    linkoping_case: Any, alice: Any, petra: Any, audrey: Any, client_for: Any, settings: Any
) -> None:
    """After a withdrawal on the case, what another agency still reads (here the police, the
    visit they took part in) is for an auditor to look at; social services' reads are not, nor
    anything read before it."""
    from tests.consent.helpers import give, guardian_of

    case = linkoping_case  # home visits are Linköpingsmodellen's
    settings.AUDIT_OFFICE_HOURS = (0, 24)
    settings.AUDIT_OFFICE_WEEKDAYS = list(range(7))
    consent = give(alice, case, guardian=guardian_of(case), agencies=["police"])
    give(alice, case, agencies=["police"])  # the youth, 16, consents too
    client_for(alice).post(
        case_url(case, "visits/"),
        {
            "occurred_at": "2026-03-02T18:30:00+01:00",
            "participants": ["alice", "petra"],
            "present": ["youth"],
            "basis": "Oro",
            "notes": "",
            "outcome": "-",
            "informed_voluntary": True,
        },
    )
    police = client_for(petra)
    assert police.get(case_url(case)).status_code == 200  # before: no finding
    withdrawn = client_for(alice).post(f"/api/v1/consents/{consent.pk}/withdraw/", {"reason": "Återkallat"})

    assert police.get(case_url(case, "visits/")).json()["count"] == 1
    assert client_for(alice).get(case_url(case)).status_code == 200

    findings = client_for(audrey).get("/api/v1/audit/anomalies").json()["findings"]
    after = [f for f in findings if f["kind"] == "after_withdrawal"]
    assert [f["actor"] for f in after] == ["petra"]
    assert datetime.fromisoformat(after[0]["timestamp"]) >= datetime.fromisoformat(withdrawn.json()["withdrawn_at"])


def test_a_finding_after_many_ordinary_accesses_is_found(
    case: Any, alice: Any, olle: Any, client_for: Any, settings: Any, monkeypatch: Any
) -> None:
    """The findings among accesses are picked over the whole period, not among its first accesses
    (a month holds far more accesses than a check takes findings of one kind)."""
    from django.utils import timezone

    from consent.models import EmergencyAccess
    from oversight import anomalies

    settings.AUDIT_OFFICE_HOURS = (0, 24)
    settings.AUDIT_OFFICE_WEEKDAYS = list(range(7))
    since = timezone.now()
    for _ in range(3):
        client_for(alice).get(case_url(case))  # on the team: no finding
    olle_client = client_for(olle)
    olle_client.post(case_url(case, "emergency-access/"), {"reason": "Akut ärende i natt"})
    olle_client.get(case_url(case))
    # The emergency access turns out to have covered no time at all: olle read from outside the team.
    opened = EmergencyAccess.objects.get(user=olle)
    opened.expires_at = opened.started_at
    opened.save()

    settings_limit = 2
    monkeypatch.setattr(anomalies, "LIMIT", settings_limit)
    findings = anomalies.find(since=since, until=timezone.now())

    assert [f["actor"] for f in findings if f["kind"] == "outside_team"] == ["olle"]
