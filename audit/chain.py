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

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Exists, Max, OuterRef, Q, QuerySet
from django.utils import timezone

from audit.models import AuditChainLink, AuditCheckpoint, AuditEntry, AuditRetention
from audit.signing import sign, signature_valid

logger = logging.getLogger("audit.chain")

GENESIS = "0" * 64
SEAL_LOCK = 0x5A5F_A0D1  # advisory lock id for the one sealer
LOOKBACK_IDS = 100_000  # late commits are searched this far below the newest sealed entry
LATE_COMMIT_WAIT = 10.0  # seconds verify waits for another sealer to link a late commit
MSG_REWRITTEN = "the chain no longer matches a signed checkpoint: it was rewritten after the checkpoint"
# Nothing but the id sequence keeps an entry's id unique once the table is partitioned (its key
# is (id, timestamp); the app role may not write an id: docs/audit.md): a second row with a
# linked entry's id would otherwise pass as sealed.
MSG_ID_TWICE = "another entry has this entry's number"
LOOKBACK_EVERY = 60.0  # seconds between the continuous sealer's look-backs for late commits


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


def _unsealed(full_scan: bool, above: int | None = None, lookback: bool = True) -> QuerySet[AuditEntry]:
    queryset: QuerySet[AuditEntry] = AuditEntry.objects.filter(
        ~Exists(AuditChainLink.objects.filter(entry_id=OuterRef("pk")))
    )
    if above is not None:
        queryset = queryset.filter(pk__gt=above)
    elif not full_scan:
        newest = AuditChainLink.objects.aggregate(m=Max("entry_id"))["m"] or 0
        queryset = queryset.filter(pk__gt=max(newest - (LOOKBACK_IDS if lookback else 0), 0))
    return queryset.order_by("pk")


def seal(
    *,
    batch_size: int = 2000,
    full_scan: bool = False,
    progress: Callable[[int], object] | None = None,
    limit: int | None = None,
    above: int | None = None,
    lookback: bool = True,
) -> int:
    """Link every committed, unlinked entry (at most about ``limit``, whole batches; only those
    with an id above ``above`` when given; without ``lookback``, only those above the newest
    sealed entry, not the late commits below it). Returns how many were sealed; 0 if another
    sealer runs."""
    sealed = 0
    while limit is None or sealed < limit:
        with transaction.atomic():
            if not _lock():
                return sealed
            head = AuditChainLink.objects.order_by("-seq").first()
            seq, prev = (head.seq, head.hash) if head else (0, GENESIS)
            batch = list(_unsealed(full_scan, above, lookback).values(*HASHED)[:batch_size])
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
    from_seq: int = 1  # the first link this verify walked (after a checkpoint: the one past it)


@dataclass
class Link:
    seq: int
    entry_id: int
    prev_hash: str
    hash: str
    entry: dict[str, Any] | None  # the entry's HASHED columns, or None if it is gone
    twice: bool = False  # another entry has the same id (the key is (id, timestamp): partitions)


def _links(chunk: int = 5000, after: int = -1) -> Iterator[Link]:
    """Every link after ``after`` in order with its entry's hashed columns, ``chunk`` links per two
    queries."""
    last = after
    while True:
        links = list(
            AuditChainLink.objects.filter(seq__gt=last)
            .order_by("seq")
            .values_list("seq", "entry_id", "prev_hash", "hash")[:chunk]
        )
        if not links:
            return
        ids = {entry_id for _seq, entry_id, _prev, _hash in links}
        entries: dict[int, dict[str, Any]] = {}
        twice = set()
        for row in AuditEntry.objects.filter(_id_runs(ids)).values(*HASHED):
            if row["id"] not in ids:
                continue  # in a run, but sealed in another chunk (a late commit)
            if row["id"] in entries:
                twice.add(row["id"])
            entries[row["id"]] = row
        for seq, entry_id, prev_hash, digest in links:
            yield Link(seq, entry_id, prev_hash, digest, entries.get(entry_id), entry_id in twice)
        last = links[-1][0]


# Two linked ids further apart than this start a new range in ``_id_runs``.
ID_RUN_GAP = 1000


def _id_runs(ids: set[int]) -> Q:
    """The entries with these ids, as ranges of ids (``id BETWEEN first AND last``, a new range
    after a gap of more than ``ID_RUN_GAP``), which may hold a few more entries than asked for.

    The table is partitioned by time, and the primary key is (id, timestamp): an id list
    (``id = ANY(...)``) makes PostgreSQL probe every month's key index for every id, 5,000 ids
    times every month (a verify walked 14,000 entries/s at 38 months, measured). A range is one
    descent per month. A chunk's ids are nearly consecutive (links are made in commit order), so
    there are one or a few ranges; a late commit sealed in a later chunk is read again and
    skipped by the caller."""
    runs: list[list[int]] = []
    for entry_id in sorted(ids):
        if runs and entry_id - runs[-1][1] <= ID_RUN_GAP:
            runs[-1][1] = entry_id
        else:
            runs.append([entry_id, entry_id])
    found = Q()
    for first, last in runs:
        found |= Q(pk__range=(first, last))
    return found


def _first_stray(high: int, above: int | None = None) -> int | None:
    """The oldest entry up to ``high`` (and above ``above``) without a link, if any (a full
    anti-join without ``above``: seconds at 10M)."""
    first: int | None = _unsealed(True, above).filter(pk__lte=high).values_list("pk", flat=True).first()
    return first


@dataclass
class Start:
    """Where a verify starts: the genesis, a retention record's boundary, or a checkpoint."""

    prev: str
    seq: int  # the first link to check
    entries_below: int | None  # every entry up to this id had its link (a checkpoint's)
    problem: str = ""


def _start(*, from_checkpoint: bool) -> Start:
    start = Start(GENESIS, 1, None)
    retention = AuditRetention.objects.order_by("-id").first()
    if retention is not None:
        # The oldest part was removed by the retention path: continue from its signed boundary.
        if not signature_valid(retention):
            return Start(GENESIS, 1, None, "the retention record's signature does not hold")
        start = Start(retention.boundary_hash, retention.first_seq_kept, None)
    if not from_checkpoint:
        return start
    checkpoint = AuditCheckpoint.objects.filter(seq__gte=start.seq).order_by("-id").first()
    if checkpoint is None:
        return start
    if not signature_valid(checkpoint):
        return Start(GENESIS, 1, None, "the checkpoint's signature does not hold")
    link = AuditChainLink.objects.filter(seq=checkpoint.seq).values_list("entry_id", "hash").first()
    if link != (checkpoint.entry_id, checkpoint.head_hash):
        # The links are hashes of hashes: a changed link under the checkpoint means the table was
        # rewritten after the checkpoint was signed (a full verify refuses it too: _signed_links).
        return Start(GENESIS, 1, None, MSG_REWRITTEN)
    return Start(checkpoint.head_hash, checkpoint.seq + 1, checkpoint.entries_below)


def _signed_links(after_seq: int) -> tuple[dict[int, tuple[int, str]], str]:
    """What the signed checkpoints after ``after_seq`` say the chain holds: {seq: (entry id, hash)};
    and a problem if a checkpoint's signature does not hold (a row nobody with the key wrote)."""
    named: dict[int, tuple[int, str]] = {}
    for checkpoint in AuditCheckpoint.objects.filter(seq__gte=after_seq).order_by("id"):
        if not signature_valid(checkpoint):
            return {}, "the checkpoint's signature does not hold"
        named[checkpoint.seq] = (checkpoint.entry_id, checkpoint.head_hash)
    return named, ""


def _checkpoint(*, seq: int, head_hash: str, entries_below: int) -> AuditCheckpoint | None:
    """Sign and store a checkpoint of what was just verified (nothing if nothing is chained)."""
    if seq < 1:
        return None
    entry_id = AuditChainLink.objects.filter(seq=seq).values_list("entry_id", flat=True).first()
    if entry_id is None:
        return None
    checkpoint = AuditCheckpoint(
        seq=seq, entry_id=entry_id, head_hash=head_hash, entries_below=entries_below, verified_at=timezone.now()
    )
    checkpoint.signature = sign(checkpoint)
    checkpoint.save()
    return checkpoint


def verify(
    *,
    seal_first: bool = True,
    progress: Callable[[int], None] | None = None,
    every: int = 10_000,
    from_checkpoint: bool = True,
) -> Verification:
    """Recompute the chain; report the first entry whose link does not hold.

    Starts from the newest checkpoint whose signature holds and whose link is still the one it
    names (``from_checkpoint``; else from the retention boundary or the genesis: the full walk).
    Seals pending entries first (every one above the checkpoint, so no late commit is missed),
    then checks that the links run on without gaps, that each link names the previous hash, that
    each hash is the hash of its entry as stored now, and that no entry is left without a link.
    Entries that committed during the walk are sealed before that last check (inside the API
    request's transaction too: the sealer's lock is this session's already). A verify that holds
    leaves a new signed checkpoint.
    """

    # Entries committed after this point are not the check's business (they are sealed next
    # time); without this bound a busy system would report them as unchained.
    high = AuditEntry.objects.aggregate(m=Max("pk"))["m"] or 0
    start = _start(from_checkpoint=from_checkpoint)
    if start.problem:
        return Verification(False, 0, start.prev, None, start.problem)
    # Above the checkpoint's bound, less the sealer's look-back: an entry that was still in its
    # transaction when the checkpoint was taken may have committed since, below that bound.
    above = None if start.entries_below is None else max(start.entries_below - LOOKBACK_IDS, 0)
    if seal_first:
        seal(full_scan=True, above=above)
    # Every signed checkpoint the walk passes must still name the link it signed: a chain rewritten
    # with recomputed hashes verifies link by link, but not against a keyed record of its past.
    signed, problem = _signed_links(start.seq)
    if problem:
        return Verification(False, 0, start.prev, None, problem)
    prev, expected_seq, checked = start.prev, start.seq, 0
    for link in _links(after=start.seq - 1):
        entry = link.entry
        bad = None
        if link.seq in signed and signed[link.seq] != (link.entry_id, link.hash):
            bad = MSG_REWRITTEN
        elif link.seq != expected_seq:
            bad = "a link is missing before this one"
        elif link.prev_hash != prev:
            bad = "the link does not continue the chain"
        elif link.twice:
            bad = MSG_ID_TWICE
        elif entry is None:
            bad = "the entry has been removed"
        elif row_hash(prev, entry) != link.hash:
            bad = "the entry has been altered"
        if bad:
            return Verification(False, checked, prev, link.entry_id, bad)
        prev, expected_seq, checked = link.hash, expected_seq + 1, checked + 1
        if progress is not None and checked % every == 0:
            progress(every)
    stray = _first_stray(high, above)
    if stray is not None and seal_first:
        # An entry below the bound whose transaction was still open at the first seal and
        # committed during the walk: not tampering, just late. Seal it now (or let the running
        # sealer do it) and look again; only what stays unlinked is reported.
        deadline = time.monotonic() + LATE_COMMIT_WAIT
        while stray is not None:
            seal(full_scan=True, above=above)
            stray = _first_stray(high, above)
            if stray is None or time.monotonic() > deadline:
                break
            time.sleep(0.2)
    if stray is not None:
        return Verification(False, checked, prev, stray, "an entry is not in the chain")
    if signed and max(signed) >= expected_seq:
        # A signed checkpoint names a link past the end: the newest links were removed.
        return Verification(False, checked, prev, None, "the chain is shorter than a signed checkpoint says")
    # Only links up to the last one walked are vouched for; a link added meanwhile is the next
    # verify's. Without a signing key there is no checkpoint (and every verify is a full one).
    if checked and settings.AUDIT_SIGNING_KEY:
        _checkpoint(seq=expected_seq - 1, head_hash=prev, entries_below=high)
    return Verification(True, checked, prev, None, from_seq=start.seq)


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
    lookback_every: float = LOOKBACK_EVERY,
) -> None:
    """Seal every ``interval`` seconds until ``stop`` is set: the sealer process started with the
    service (``seal_audit --loop``; decision 0016). Each round links what is above the newest
    sealed entry (an index range); the look-back for late commits below it (an anti-join over
    ``LOOKBACK_IDS`` ids) runs only every ``lookback_every`` seconds. A database error (a restart,
    a failover) is logged and retried after the interval with a fresh connection, so the sealer
    outlives it."""
    last_lookback = float("-inf")
    while not stop.is_set():
        due = time.monotonic() - last_lookback >= lookback_every
        try:
            count = seal(lookback=due)
        except DatabaseError:
            logger.warning("audit sealer: the database is unavailable; retrying", exc_info=False)
            connection.close()
        else:
            if due:
                last_lookback = time.monotonic()
            if count and on_sealed is not None:
                on_sealed(count)
        stop.wait(interval)


def head() -> dict[str, Any]:
    """The current head, to keep outside the database (docs/audit.md)."""
    link = AuditChainLink.objects.order_by("-seq").first()
    return {"seq": link.seq if link else 0, "hash": link.hash if link else GENESIS}
