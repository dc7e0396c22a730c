"""The hash chain over audit entries: sealing and verification (docs/audit.md).

Writers only INSERT entries; they never wait for the chain. A sealer (``seal_audit``, run every
few seconds by a scheduler, and by ``verify`` before it checks) appends one link per committed
entry not yet linked: hash = SHA-256(previous hash || canonical JSON of the entry). One sealer
runs at a time (an advisory lock on PostgreSQL), so the chain is a single line without making
any request wait. An entry that commits late (a long transaction) is simply sealed later.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Exists, Max, OuterRef

from audit.models import AuditChainLink, AuditEntry

GENESIS = "0" * 64
SEAL_LOCK = 0x5A5F_A0D1  # advisory lock id for the one sealer
LOOKBACK_IDS = 100_000  # late commits are searched this far below the newest sealed entry


def canonical(entry: AuditEntry) -> bytes:
    """The entry as hashed: every column, in a fixed order, as compact JSON."""
    return json.dumps(
        {
            "id": entry.pk,
            "timestamp": entry.timestamp.isoformat(),
            "event": entry.event,
            "action": entry.action,
            "actor": entry.actor_id,
            "actor_username": entry.actor_username,
            "content_type": entry.content_type_id,
            "object_pk": entry.object_pk,
            "object_repr": entry.object_repr,
            "case_ref": str(entry.case_ref) if entry.case_ref else None,
            "case_number": entry.case_number,
            "fields_shown": entry.fields_shown,
            "changed_fields": entry.changed_fields,
            "remote_addr": entry.remote_addr,
            "cid": entry.cid,
            "additional_data": entry.additional_data,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    ).encode("utf-8")


def link_hash(prev_hash: str, entry: AuditEntry) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + canonical(entry)).hexdigest()


def _lock() -> bool:
    if connection.vendor != "postgresql":
        return True  # SQLite serialises writers already
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [SEAL_LOCK])
        return bool(cursor.fetchone()[0])


def _unsealed(full_scan: bool) -> Any:
    queryset = AuditEntry.objects.filter(~Exists(AuditChainLink.objects.filter(entry_id=OuterRef("pk"))))
    if not full_scan:
        newest = AuditChainLink.objects.aggregate(m=Max("entry_id"))["m"] or 0
        queryset = queryset.filter(pk__gt=max(newest - LOOKBACK_IDS, 0))
    return queryset.order_by("pk")


def seal(*, batch_size: int = 2000, full_scan: bool = False, progress: Callable[[int], None] | None = None) -> int:
    """Link every committed, unlinked entry. Returns how many were sealed; 0 if another sealer runs."""
    sealed = 0
    while True:
        with transaction.atomic():
            if not _lock():
                return sealed
            head = AuditChainLink.objects.order_by("-seq").first()
            seq, prev = (head.seq, head.hash) if head else (0, GENESIS)
            batch = list(_unsealed(full_scan)[:batch_size])
            if not batch:
                return sealed
            links = []
            for entry in batch:
                seq += 1
                digest = link_hash(prev, entry)
                links.append(AuditChainLink(seq=seq, entry_id=entry.pk, prev_hash=prev, hash=digest))
                prev = digest
            AuditChainLink.objects.bulk_create(links)
        sealed += len(batch)
        if progress is not None:
            progress(len(batch))


@dataclass
class Verification:
    ok: bool
    entries_checked: int
    head: str
    first_bad_entry: int | None
    problem: str = ""


def _links(chunk: int = 5000) -> Iterator[AuditChainLink]:
    last = -1
    while True:
        rows = list(AuditChainLink.objects.filter(seq__gt=last).order_by("seq")[:chunk])
        if not rows:
            return
        entries = AuditEntry.objects.in_bulk([row.entry_id for row in rows])
        for row in rows:
            row._entry = entries.get(row.entry_id)  # type: ignore[attr-defined]
            yield row
        last = rows[-1].seq


def verify(*, seal_first: bool = True, progress: Callable[[int], None] | None = None) -> Verification:
    """Recompute the whole chain; report the first entry whose link does not hold.

    Seals pending entries first (a full scan, so no late commit is missed), then checks that the
    links run 1, 2, 3... without gaps, that each link names the previous hash, that each hash is
    the hash of its entry as stored now, and that no entry is left without a link.
    """
    from audit.models import AuditRetention
    from audit.retention import signature_valid

    # Entries committed after this point are not the check's business (they are sealed next
    # time); without this bound a busy system would report them as unchained.
    high = AuditEntry.objects.aggregate(m=Max("pk"))["m"] or 0
    if seal_first:
        seal(full_scan=True)
    prev, expected_seq, checked = GENESIS, 1, 0
    retention = AuditRetention.objects.order_by("-id").first()
    if retention is not None:
        # The oldest part was removed by the retention path: continue from its signed boundary.
        if not signature_valid(retention):
            return Verification(False, 0, GENESIS, None, "the retention record's signature does not hold")
        prev, expected_seq = retention.boundary_hash, retention.first_seq_kept
    for link in _links():
        entry = link._entry  # type: ignore[attr-defined]
        bad = None
        if link.seq != expected_seq:
            bad = "a link is missing before this one"
        elif link.prev_hash != prev:
            bad = "the link does not continue the chain"
        elif entry is None:
            bad = "the entry has been removed"
        elif link_hash(prev, entry) != link.hash:
            bad = "the entry has been altered"
        if bad:
            return Verification(False, checked, prev, link.entry_id, bad)
        prev, expected_seq, checked = link.hash, expected_seq + 1, checked + 1
        if progress is not None and checked % 10_000 == 0:
            progress(10_000)
    stray = _unsealed(full_scan=True).filter(pk__lte=high).values_list("pk", flat=True).first()
    if stray is not None:
        return Verification(False, checked, prev, stray, "an entry is not in the chain")
    return Verification(True, checked, prev, None)


def head() -> dict[str, Any]:
    """The current head, to keep outside the database (docs/audit.md)."""
    link = AuditChainLink.objects.order_by("-seq").first()
    return {"seq": link.seq if link else 0, "hash": link.hash if link else GENESIS}
