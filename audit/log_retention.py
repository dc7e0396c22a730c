"""Removing expired audit entries: the documented path, and the signed record it leaves.

Only a contiguous oldest part of the chain is removed (links and their entries, all older than
the cut-off), so the remaining chain starts at a known link whose previous hash is written into
the retention record; ``verify`` checks the record's HMAC and continues from there. Audit entries
have their own retention, longer than the cases' (docs/retention.md, issue 6): AUDIT_RETENTION_DAYS.

On PostgreSQL the entries are partitioned by month (audit/partitions.py): a month that goes whole
is detached and dropped (the record names it, under its signature); what goes from the months
that stay, and from the default partition, is deleted row by row through the append-only
trigger's retention path.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from audit import chain, partitions
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


def _droppable(before: datetime, last: int) -> list[str]:
    """The month partitions wholly older than ``before`` whose every entry goes (linked at or below
    ``last``): detached and dropped whole. A month that also holds an entry linked later (it
    committed after a newer one) or not at all is emptied row by row instead."""
    names = []
    with connection.cursor() as cursor:
        for partition in partitions.partitions():
            if partition.end is None or partition.end > before:
                continue
            # No entry may arrive in the month between this check and its drop (an insert
            # waits for the retention's commit, then finds its month gone and fails).
            cursor.execute(f"LOCK TABLE {partition.name} IN SHARE MODE")
            cursor.execute(
                f"SELECT EXISTS (SELECT 1 FROM {partition.name} e LEFT JOIN audit_auditchainlink l "  # noqa: S608
                "ON l.entry_id = e.id WHERE l.seq IS NULL OR l.seq > %s)",
                [last],
            )
            if not cursor.fetchone()[0]:
                names.append(partition.name)
    return names


def _row_by_row(before: datetime, dropped: list[str]) -> list[str]:
    """Where entries are deleted one by one: the partitions reaching back before ``before`` that
    are not dropped whole, the default one among them; the table itself when it is not
    partitioned (SQLite)."""
    found = partitions.partitions()
    if not found:
        return [partitions.TABLE]
    return [p.name for p in found if p.name not in dropped and (p.start is None or p.start < before)]


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
    dropped = _droppable(before, last)
    going = "SELECT entry_id FROM audit_auditchainlink WHERE seq <= %s"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL audit.retention_run = 'on'")
        else:
            cursor.execute("INSERT INTO audit_retention_gate (opened) VALUES (1)")
        cursor.execute("SELECT count(*) FROM audit_auditchainlink WHERE seq <= %s", [last])
        removed = int(cursor.fetchone()[0])
        # Log checks keep their own copy (entry number, actor, case number) of what they judged.
        cursor.execute(f"UPDATE audit_logreviewitem SET entry_id = NULL WHERE entry_id IN ({going})", [last])  # noqa: S608
        for source in _row_by_row(before, dropped):
            cursor.execute(f"DELETE FROM {source} WHERE id IN ({going})", [last])  # noqa: S608
        cursor.execute("DELETE FROM audit_auditchainlink WHERE seq <= %s", [last])
        # Last, so the parent's lock (writers wait for it) is held for the shortest time; deferred
        # foreign-key checks of rows written in this transaction would forbid the drop.
        if dropped:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for partition in dropped:
            cursor.execute(f"ALTER TABLE {partitions.TABLE} DETACH PARTITION {partition}")
            cursor.execute(f"DROP TABLE {partition}")
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL audit.retention_run = 'off'")
        else:
            cursor.execute("DELETE FROM audit_retention_gate")
    record = AuditRetention(
        removed_before=before,
        first_seq_kept=last + 1,
        boundary_hash=boundary.hash,
        entries_removed=removed,
        partitions_dropped=dropped or None,
        performed_by=performed_by,
        performed_at=timezone.now(),
    )
    record.signature = sign(record)
    record.save()
    return record
