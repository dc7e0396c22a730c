"""Findings for log review (loggkontroll): accesses an auditor should look at (docs/audit.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay, TruncDate
from django.utils import timezone

from audit.models import AuditEntry, AuditEvent
from cases import routing
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


def _outside_office_hours(accesses: QuerySet[AuditEntry]) -> QuerySet[AuditEntry]:
    """Local time outside AUDIT_OFFICE_HOURS or on a day not in AUDIT_OFFICE_WEEKDAYS (Monday=0)."""
    local = timezone.get_current_timezone()
    start, end = settings.AUDIT_OFFICE_HOURS
    office_days = [day + 1 for day in settings.AUDIT_OFFICE_WEEKDAYS]  # ISO week days: Monday=1
    local_time = accesses.annotate(
        local_hour=ExtractHour("timestamp", tzinfo=local), local_day=ExtractIsoWeekDay("timestamp", tzinfo=local)
    )
    outside: QuerySet[AuditEntry] = local_time.filter(
        Q(local_hour__lt=start) | Q(local_hour__gte=end) | ~Q(local_day__in=office_days)
    )
    return outside


def find(*, since: datetime, until: datetime, limit: int | None = None, replica: bool = True) -> list[dict[str, Any]]:
    """``_find`` on the replica when one is configured (``cases.routing``) and ``replica``; a log
    check passes ``replica=False``: what it records as the period's anomalies and signs off must
    not depend on how far a replica has replayed."""
    if not replica:
        return _find(since=since, until=until, limit=limit)
    with routing.replica_reads():
        return _find(since=since, until=until, limit=limit)


def _find(*, since: datetime, until: datetime, limit: int | None = None) -> list[dict[str, Any]]:
    """Every finding in [since, until): denied attempts, emergency access, access by someone not
    on the team, access outside office hours, unusual volume, access after a consent withdrawal,
    and alerts (a case whose content did not decrypt). At most ``limit`` of each kind: the first
    of the whole period (the database picks the accesses that are findings)."""

    limit = limit or LIMIT
    # Only the columns a finding reads: a night can hold thousands of findings.
    window = AuditEntry.objects.filter(timestamp__gte=since, timestamp__lt=until).only(
        "id", "timestamp", "event", "actor_id", "actor_username", "case_ref", "case_number", "additional_data"
    )
    findings: list[dict[str, Any]] = []
    for entry in window.filter(event=AuditEvent.DENIED).order_by("timestamp")[:limit]:
        findings.append(_finding("denied", entry, (entry.additional_data or {}).get("code", "")))
    for entry in window.filter(event=AuditEvent.EMERGENCY).order_by("timestamp")[:limit]:
        findings.append(_finding("emergency_access", entry))
    for entry in window.filter(event=AuditEvent.ALERT).order_by("timestamp")[:limit]:
        findings.append(_finding("alert", entry, (entry.additional_data or {}).get("code", "")))

    # The accesses that are findings, chosen by the database over the whole period (the first
    # ``limit`` of each kind), not the period's first accesses sifted here: a month holds far more.
    accesses = window.filter(event=AuditEvent.ACCESS, case_ref__isnull=False)
    on_team = CaseMember.objects.filter(case_id=OuterRef("case_ref"), user_id=OuterRef("actor_id"))
    in_emergency = EmergencyAccess.objects.filter(
        case_id=OuterRef("case_ref"),
        user_id=OuterRef("actor_id"),
        started_at__lte=OuterRef("timestamp"),
        expires_at__gt=OuterRef("timestamp"),
    )
    # Reported once as emergency_access when it was opened.
    outside_team = accesses.filter(~Exists(on_team), ~Exists(in_emergency))
    for entry in outside_team.order_by("timestamp")[:limit]:
        findings.append(_finding("outside_team", entry))
    for entry in _outside_office_hours(accesses).order_by("timestamp")[:limit]:
        findings.append(_finding("out_of_hours", entry))
    withdrawn_before = ConsentWithdrawal.objects.filter(
        consent__case_id=OuterRef("case_ref"), withdrawn_at__lte=OuterRef("timestamp")
    )
    social_services = StaffProfile.objects.filter(user_id=OuterRef("actor_id"), role__in=SOCIAL_SERVICES_ROLES)
    after_withdrawal = accesses.filter(Exists(withdrawn_before), ~Exists(social_services))
    for entry in after_withdrawal.order_by("timestamp")[:limit]:
        findings.append(_finding("after_withdrawal", entry))

    volume = (
        window.filter(event=AuditEvent.ACCESS, case_ref__isnull=False)
        .annotate(day=TruncDate("timestamp"))
        .values("actor_username", "day")
        .annotate(cases=Count("case_ref", distinct=True))
        .filter(cases__gt=settings.AUDIT_DAILY_CASE_LIMIT)
        .order_by("day", "actor_username")[:limit]
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
