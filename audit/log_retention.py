"""Removing expired audit entries: the documented path, and the signed record it leaves.

Only a contiguous oldest part of the chain is removed (links and their entries, all older than
the cut-off), so the remaining chain starts at a known link whose previous hash is written into
the retention record; ``verify`` checks the record's HMAC and continues from there. Audit entries
have their own retention, longer than the cases' (docs/retention.md, issue 6): AUDIT_RETENTION_DAYS.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from audit import chain
from audit.models import AuditChainLink, AuditRetention
from audit.signing import sign, signing_key


def plan(*, before: datetime) -> tuple[int, int]:
    """(last seq that would go, entries that would go): the oldest links whose entries are all older."""
    first_newer = (
        AuditChainLink.objects.filter(entry__timestamp__gte=before)
        .order_by("seq")
        .values_list("seq", flat=True)
        .first()
    )
    last = (
        (first_newer - 1)
        if first_newer is not None
        else (AuditChainLink.objects.order_by("-seq").values_list("seq", flat=True).first() or 0)
    )
    floor = AuditRetention.objects.order_by("-id").values_list("first_seq_kept", flat=True).first() or 1
    return last, max(0, last - floor + 1)


@transaction.atomic
def remove_expired(*, before: datetime, performed_by: str) -> AuditRetention | None:
    """Remove every link and entry of the chain's oldest part that is older than ``before`` and
    leave a signed record. Must run as the audit tables' owner (PostgreSQL); refuses cut-offs
    younger than AUDIT_RETENTION_DAYS."""
    if before > timezone.now() - timedelta(days=settings.AUDIT_RETENTION_DAYS):
        raise ValueError(f"Audit entries are kept {settings.AUDIT_RETENTION_DAYS} days; the cut-off is too recent.")
    signing_key()  # fail before touching anything
    chain.seal(full_scan=True)
    last, count = plan(before=before)
    if count == 0:
        return None
    boundary = AuditChainLink.objects.get(seq=last)
    entry_ids = list(AuditChainLink.objects.filter(seq__lte=last).values_list("entry_id", flat=True))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL audit.retention_run = 'on'")
        else:
            cursor.execute("INSERT INTO audit_retention_gate (opened) VALUES (1)")
        cursor.execute("DELETE FROM audit_auditchainlink WHERE seq <= %s", [last])
        # Log checks keep their own copy (entry number, actor, case number) of what they judged.
        for start in range(0, len(entry_ids), 5000):
            part = entry_ids[start : start + 5000]
            cursor.execute(
                f"UPDATE audit_logreviewitem SET entry_id = NULL WHERE entry_id IN ({','.join(['%s'] * len(part))})",  # noqa: S608
                part,
            )
        for start in range(0, len(entry_ids), 5000):
            part = entry_ids[start : start + 5000]
            cursor.execute(
                f"DELETE FROM audit_auditentry WHERE id IN ({','.join(['%s'] * len(part))})",  # noqa: S608
                part,
            )
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL audit.retention_run = 'off'")
        else:
            cursor.execute("DELETE FROM audit_retention_gate")
    record = AuditRetention(
        removed_before=before,
        first_seq_kept=last + 1,
        boundary_hash=boundary.hash,
        entries_removed=len(entry_ids),
        performed_by=performed_by,
        performed_at=timezone.now(),
    )
    record.signature = sign(record)
    record.save()
    return record
