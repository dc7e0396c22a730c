"""The hash chain over audit entries: sealing and verification (docs/audit.md).

Writers only INSERT entries; they never wait for the chain. A sealer (``seal_audit --loop 1``,
started with the service: decision 0016; and ``verify`` before it checks) appends one link per committed
entry not yet linked: hash = SHA-256(previous hash || canonical JSON of the entry). One sealer
runs at a time (an advisory lock on PostgreSQL), so the chain is a single line without making
any request wait. An entry that commits late (a long transaction) is simply sealed later.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import DatabaseError, connection, transaction
from django.db.models import Exists, Max, OuterRef, QuerySet
from django.utils import timezone

from audit.models import AuditChainLink, AuditEntry, AuditRetention
from audit.signing import signature_valid

logger = logging.getLogger("audit.chain")

GENESIS = "0" * 64
SEAL_LOCK = 0x5A5F_A0D1  # advisory lock id for the one sealer
LOOKBACK_IDS = 100_000  # late commits are searched this far below the newest sealed entry
LATE_COMMIT_WAIT = 10.0  # seconds verify waits for another sealer to link a late commit


# The columns hashed, as they are read for hashing (``values()``: no model instances, and the
# entry's other JSON columns, always empty, are not decoded). Model attribute names.
HASHED = (
    "id",
    "timestamp",
    "event",
    "action",
    "actor_id",
    "actor_username",
    "content_type_id",
    "object_pk",
    "object_repr",
    "case_ref",
    "case_number",
    "fields_shown",
    "changed_fields",
    "remote_addr",
    "cid",
    "additional_data",
)


def canonical_row(row: Mapping[str, Any]) -> bytes:
    """The entry as hashed: the HASHED columns, in a fixed order, as compact JSON."""
    return json.dumps(
        {
            "id": row["id"],
            "timestamp": row["timestamp"].isoformat(),
            "event": row["event"],
            "action": row["action"],
            "actor": row["actor_id"],
            "actor_username": row["actor_username"],
            "content_type": row["content_type_id"],
            "object_pk": row["object_pk"],
            "object_repr": row["object_repr"],
            "case_ref": str(row["case_ref"]) if row["case_ref"] else None,
            "case_number": row["case_number"],
            "fields_shown": row["fields_shown"],
            "changed_fields": row["changed_fields"],
            "remote_addr": row["remote_addr"],
            "cid": row["cid"],
            "additional_data": row["additional_data"],
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    ).encode("utf-8")


def _row_of(entry: AuditEntry) -> dict[str, Any]:
    """A model instance loaded from the database as the row ``canonical_row`` takes (an entry
    still in memory may hold values the database normalises, such as an IPv6 address's case)."""
    return {name: getattr(entry, name) for name in HASHED}


def canonical(entry: AuditEntry) -> bytes:
    """The same bytes as ``canonical_row``, from a model instance loaded from the database."""
    return canonical_row(_row_of(entry))


def row_hash(prev_hash: str, row: Mapping[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + canonical_row(row)).hexdigest()


def link_hash(prev_hash: str, entry: AuditEntry) -> str:
    return row_hash(prev_hash, _row_of(entry))


def _lock() -> bool:
    if connection.vendor != "postgresql":
        return True  # SQLite serialises writers already
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [SEAL_LOCK])
        return bool(cursor.fetchone()[0])


def _unsealed(full_scan: bool) -> QuerySet[AuditEntry]:
    queryset: QuerySet[AuditEntry] = AuditEntry.objects.filter(
        ~Exists(AuditChainLink.objects.filter(entry_id=OuterRef("pk")))
    )
    if not full_scan:
        newest = AuditChainLink.objects.aggregate(m=Max("entry_id"))["m"] or 0
        queryset = queryset.filter(pk__gt=max(newest - LOOKBACK_IDS, 0))
    return queryset.order_by("pk")


def seal(
    *,
    batch_size: int = 2000,
    full_scan: bool = False,
    progress: Callable[[int], object] | None = None,
    limit: int | None = None,
) -> int:
    """Link every committed, unlinked entry (at most about ``limit``, whole batches). Returns how
    many were sealed; 0 if another sealer runs."""
    sealed = 0
    while limit is None or sealed < limit:
        with transaction.atomic():
            if not _lock():
                return sealed
            head = AuditChainLink.objects.order_by("-seq").first()
            seq, prev = (head.seq, head.hash) if head else (0, GENESIS)
            batch = list(_unsealed(full_scan).values(*HASHED)[:batch_size])
            if not batch:
                return sealed
            links = []
            for row in batch:
                seq += 1
                digest = row_hash(prev, row)
                links.append(AuditChainLink(seq=seq, entry_id=row["id"], prev_hash=prev, hash=digest))
                prev = digest
            AuditChainLink.objects.bulk_create(links)
        sealed += len(batch)
        if progress is not None:
            progress(len(batch))
    return sealed


@dataclass
class Verification:
    ok: bool
    entries_checked: int
    head: str
    first_bad_entry: int | None
    problem: str = ""


@dataclass
class Link:
    seq: int
    entry_id: int
    prev_hash: str
    hash: str
    entry: dict[str, Any] | None  # the entry's HASHED columns, or None if it is gone


def _links(chunk: int = 5000) -> Iterator[Link]:
    """Every link in order with its entry's hashed columns, ``chunk`` links per two queries."""
    last = -1
    while True:
        links = list(
            AuditChainLink.objects.filter(seq__gt=last)
            .order_by("seq")
            .values_list("seq", "entry_id", "prev_hash", "hash")[:chunk]
        )
        if not links:
            return
        ids = [entry_id for _seq, entry_id, _prev, _hash in links]
        entries = {row["id"]: row for row in AuditEntry.objects.filter(pk__in=ids).values(*HASHED)}
        for seq, entry_id, prev_hash, digest in links:
            yield Link(seq, entry_id, prev_hash, digest, entries.get(entry_id))
        last = links[-1][0]


def _first_stray(high: int) -> int | None:
    """The oldest entry up to ``high`` without a link, if any (a full anti-join: seconds at 10M)."""
    first: int | None = _unsealed(full_scan=True).filter(pk__lte=high).values_list("pk", flat=True).first()
    return first


def verify(
    *, seal_first: bool = True, progress: Callable[[int], None] | None = None, every: int = 10_000
) -> Verification:
    """Recompute the whole chain; report the first entry whose link does not hold.

    Seals pending entries first (a full scan, so no late commit is missed), then checks that the
    links run 1, 2, 3... without gaps, that each link names the previous hash, that each hash is
    the hash of its entry as stored now, and that no entry is left without a link. Entries that
    committed during the walk are sealed before that last check (inside the API request's
    transaction too: the sealer's lock is this session's already).
    """

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
        entry = link.entry
        bad = None
        if link.seq != expected_seq:
            bad = "a link is missing before this one"
        elif link.prev_hash != prev:
            bad = "the link does not continue the chain"
        elif entry is None:
            bad = "the entry has been removed"
        elif row_hash(prev, entry) != link.hash:
            bad = "the entry has been altered"
        if bad:
            return Verification(False, checked, prev, link.entry_id, bad)
        prev, expected_seq, checked = link.hash, expected_seq + 1, checked + 1
        if progress is not None and checked % every == 0:
            progress(every)
    stray = _first_stray(high)
    if stray is not None and seal_first:
        # An entry below the bound whose transaction was still open at the first seal and
        # committed during the walk: not tampering, just late. Seal it now (or let the running
        # sealer do it) and look again; only what stays unlinked is reported.
        deadline = time.monotonic() + LATE_COMMIT_WAIT
        while stray is not None:
            seal(full_scan=True)
            stray = _first_stray(high)
            if stray is None or time.monotonic() > deadline:
                break
            time.sleep(0.2)
    if stray is not None:
        return Verification(False, checked, prev, stray, "an entry is not in the chain")
    return Verification(True, checked, prev, None)


def oldest_unsealed_age(*, now: datetime | None = None) -> float:
    """Seconds since the oldest committed entry above the newest sealed one was written; 0.0 when
    everything is sealed. The window the sealer leaves open, for ``/healthz``: two index lookups
    (the highest linked entry, then the first entry above it), cheap at any size. A late commit
    below the newest sealed entry is not counted (the next seal's look-back links it)."""
    newest = AuditChainLink.objects.aggregate(m=Max("entry_id"))["m"] or 0
    oldest: datetime | None = (
        AuditEntry.objects.filter(pk__gt=newest).order_by("pk").values_list("timestamp", flat=True).first()
    )
    if oldest is None:
        return 0.0
    return max(((now or timezone.now()) - oldest).total_seconds(), 0.0)


def seal_continuously(
    *,
    interval: float,
    stop: threading.Event,
    on_sealed: Callable[[int], object] | None = None,
) -> None:
    """Seal every ``interval`` seconds until ``stop`` is set: the sealer process started with the
    service (``seal_audit --loop``; decision 0016). A database error (a restart, a failover) is
    logged and retried after the interval with a fresh connection, so the sealer outlives it."""
    while not stop.is_set():
        try:
            count = seal()
        except DatabaseError:
            logger.warning("audit sealer: the database is unavailable; retrying", exc_info=False)
            connection.close()
        else:
            if count and on_sealed is not None:
                on_sealed(count)
        stop.wait(interval)


def head() -> dict[str, Any]:
    """The current head, to keep outside the database (docs/audit.md)."""
    link = AuditChainLink.objects.order_by("-seq").first()
    return {"seq": link.seq if link else 0, "hash": link.hash if link else GENESIS}
