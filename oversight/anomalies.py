"""Findings for log review (loggkontroll): accesses an auditor should look at (docs/audit.md)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone

from audit.models import AuditEntry, AuditEvent
from cases.models import SOCIAL_SERVICES_ROLES, CaseMember, StaffProfile
from consent.models import ConsentWithdrawal, EmergencyAccess

LIMIT = 5000  # findings per kind and request; narrow the period to see more
KINDS = ["denied", "emergency_access", "outside_team", "out_of_hours", "after_withdrawal", "unusual_volume", "alert"]


def _finding(kind: str, entry: AuditEntry, detail: str = "") -> dict[str, Any]:
    return {
        "kind": kind,
        "entry": entry.pk,
        "timestamp": entry.timestamp.isoformat(),
        "actor": entry.actor_username,
        "case_number": entry.case_number,
        "detail": detail,
    }


def _out_of_hours(moment: datetime) -> bool:
    local = timezone.localtime(moment)
    start, end = settings.AUDIT_OFFICE_HOURS
    return local.weekday() not in settings.AUDIT_OFFICE_WEEKDAYS or not start <= local.hour < end


def find(*, since: datetime, until: datetime) -> list[dict[str, Any]]:
    """Every finding in [since, until): denied attempts, emergency access, access by someone not
    on the team, access outside office hours, unusual volume, access after a consent withdrawal,
    and alerts (a case whose content did not decrypt)."""

    window = AuditEntry.objects.filter(timestamp__gte=since, timestamp__lt=until)
    findings: list[dict[str, Any]] = []
    for entry in window.filter(event=AuditEvent.DENIED).order_by("timestamp")[:LIMIT]:
        findings.append(_finding("denied", entry, (entry.additional_data or {}).get("code", "")))
    for entry in window.filter(event=AuditEvent.EMERGENCY).order_by("timestamp")[:LIMIT]:
        findings.append(_finding("emergency_access", entry))
    for entry in window.filter(event=AuditEvent.ALERT).order_by("timestamp")[:LIMIT]:
        findings.append(_finding("alert", entry, (entry.additional_data or {}).get("code", "")))

    accesses = list(window.filter(event=AuditEvent.ACCESS, case_ref__isnull=False).order_by("timestamp")[:LIMIT])
    case_ids = {e.case_ref for e in accesses}
    members = set(CaseMember.objects.filter(case_id__in=case_ids).values_list("case_id", "user_id"))
    emergencies = defaultdict(list)
    for row in EmergencyAccess.objects.filter(case_id__in=case_ids).values(
        "case_id", "user_id", "started_at", "expires_at"
    ):
        emergencies[(row["case_id"], row["user_id"])].append((row["started_at"], row["expires_at"]))
    withdrawn = defaultdict(list)
    for case_id, at in ConsentWithdrawal.objects.filter(consent__case_id__in=case_ids).values_list(
        "consent__case_id", "withdrawn_at"
    ):
        withdrawn[case_id].append(at)

    roles = dict(StaffProfile.objects.filter(user_id__in={e.actor_id for e in accesses}).values_list("user_id", "role"))
    for entry in accesses:
        key = (entry.case_ref, entry.actor_id)
        if key not in members:
            if any(start <= entry.timestamp < end for start, end in emergencies.get(key, [])):
                pass  # reported once as emergency_access when it was opened
            else:
                findings.append(_finding("outside_team", entry))
        if _out_of_hours(entry.timestamp):
            findings.append(_finding("out_of_hours", entry))
        if roles.get(entry.actor_id) not in SOCIAL_SERVICES_ROLES and any(
            at <= entry.timestamp for at in withdrawn.get(entry.case_ref, [])
        ):
            findings.append(_finding("after_withdrawal", entry))

    volume = (
        window.filter(event=AuditEvent.ACCESS, case_ref__isnull=False)
        .annotate(day=TruncDate("timestamp"))
        .values("actor_username", "day")
        .annotate(cases=Count("case_ref", distinct=True))
        .filter(cases__gt=settings.AUDIT_DAILY_CASE_LIMIT)
        .order_by("day", "actor_username")[:LIMIT]
    )
    for row in volume:
        findings.append(
            {
                "kind": "unusual_volume",
                "entry": None,
                "timestamp": row["day"].isoformat(),
                "actor": row["actor_username"],
                "case_number": "",
                "detail": f"{row['cases']} different cases in a day",
            }
        )
    return findings
