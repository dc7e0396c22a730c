"""Operations on case data keys: re-wrapping under the newest master key, and crypto-shredding.

Data keys never change here, only the master key that wraps them, so content is not re-encrypted
by a rotation and a rotation can stop anywhere: keys are re-wrapped a batch per transaction, and
the next run continues with those still under an old master key.

A batch is re-wrapped in memory, written with one pipelined UPDATE per row and audited with one INSERT of
an entry per key (``audit``: the caller passes ``audit.services.keys_rewrapped``, which this
lowest layer cannot import), not one save and one signal-written entry per key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connections, router, transaction
from django.db.models import QuerySet
from django.utils import timezone

from cases import crypto
from cases.models import Case, CaseKey, SystemKey

# Writes the audit entries of one batch of re-wrapped key rows, in the batch's transaction.
BatchAudit = Callable[[list[Any]], None]
REWRAPPED_FIELDS = ["master_key_id", "wrapped", "rewrapped_at"]


@dataclass
class RewrapResult:
    rewrapped: int = 0
    remaining: int = 0


def case_keys_pending_rewrap() -> int:
    """How many data keys are still wrapped under a master key other than the current one."""
    current = crypto.keyring().current_id
    return (
        CaseKey.objects.exclude(master_key_id=current).count()
        + SystemKey.objects.exclude(master_key_id=current).count()
    )


def rewrap_row(row: Any, *, binding: str, at: Any) -> None:
    """Re-wrap one key row (a case's, a referral's, a system key) under the current master key, in
    memory: the data key is unwrapped with the old master key and wrapped again, bound to the same
    id. The caller saves the batch."""
    data_key = crypto.unwrap_data_key(row.wrapped, master_key_id=row.master_key_id, case_id=binding, key_id=row.key_id)
    row.master_key_id, row.wrapped = crypto.wrap_data_key(data_key, case_id=binding, key_id=row.key_id)
    row.rewrapped_at = at


def _rewrap_batch(batch: list[Any], *, binding: Callable[[Any], str], audit: BatchAudit) -> None:
    now = timezone.now()
    for row in batch:
        rewrap_row(row, binding=binding(row), at=now)
    _save_rewrapped(batch)
    audit(batch)  # an entry per key, in this transaction


def _save_rewrapped(batch: list[Any]) -> None:
    """One UPDATE by primary key per row, sent with ``executemany`` (psycopg pipelines them: one
    round trip for the batch). ``bulk_update`` builds a CASE over every row for every field, which
    cost Django more than the cryptography (profiled: 30,000 filter objects for 5,000 keys, about
    1,600 keys/s in all); the rows are audited by the caller, as a save's signal would have."""
    meta = type(batch[0])._meta
    connection = connections[router.db_for_write(type(batch[0]))]
    fields = [meta.get_field(name) for name in REWRAPPED_FIELDS]
    assignments = ", ".join(f"{connection.ops.quote_name(f.column)} = %s" for f in fields)
    statement = (
        f"UPDATE {connection.ops.quote_name(meta.db_table)} SET {assignments} "  # noqa: S608 - names from the model
        f"WHERE {connection.ops.quote_name(meta.pk.column)} = %s"
    )
    rows = [
        [f.get_db_prep_save(getattr(row, f.attname), connection) for f in fields]
        + [meta.pk.get_db_prep_save(row.pk, connection)]
        for row in batch
    ]
    with connection.cursor() as cursor:
        cursor.executemany(statement, rows)


def rewrap_in_batches(
    pending: QuerySet[Any],
    *,
    binding: Callable[[Any], str],
    order_by: str,
    batch_size: int,
    limit: int | None,
    progress: Callable[[int], None] | None,
    audit: BatchAudit,
    done: int = 0,
) -> int:
    """Re-wrap the key rows of ``pending`` (those under an old master key), ``batch_size`` per
    transaction, rows locked with SKIP LOCKED so two runs share the work; ``done`` counts towards
    ``limit``. Returns how many rows were re-wrapped in all."""
    while limit is None or done < limit:
        size = batch_size if limit is None else min(batch_size, limit - done)
        with transaction.atomic():
            batch = list(pending.select_for_update(skip_locked=True).order_by(order_by)[:size])
            if not batch:
                break
            _rewrap_batch(batch, binding=binding, audit=audit)
        done += len(batch)
        if progress is not None:
            progress(len(batch))
    return done


def _system_keys_rewrap(current: str, audit: BatchAudit) -> int:
    with transaction.atomic():
        rows = list(SystemKey.objects.select_for_update().exclude(master_key_id=current))
        if rows:
            _rewrap_batch(rows, binding=lambda row: f"system:{row.name}", audit=audit)
    return len(rows)


def case_keys_rewrap(
    *,
    audit: BatchAudit,
    batch_size: int = 1000,
    limit: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> RewrapResult:
    """Re-wrap data keys under the current master key, ``batch_size`` per transaction.

    Safe to interrupt and re-run: a key is either still under its old master key (and readable,
    as long as that key stays configured) or already under the new one.
    """
    current = crypto.keyring().current_id
    result = RewrapResult()
    result.rewrapped = rewrap_in_batches(
        CaseKey.objects.exclude(master_key_id=current),
        binding=lambda row: str(row.case_id),
        order_by="case_id",
        batch_size=batch_size,
        limit=limit,
        progress=progress,
        audit=audit,
        done=_system_keys_rewrap(current, audit),
    )
    result.remaining = case_keys_pending_rewrap()
    return result


@transaction.atomic
def case_key_shred(*, case: Case) -> bool:
    """Destroy the case's data key: every encrypted field of the case becomes unreadable for good,
    in the database and in every backup that does not also hold the key (docs/encryption.md).

    For the purge (gallring); callers record why. Returns False if the key was already gone.
    """
    deleted, _by_model = CaseKey.objects.filter(case_id=case.pk).delete()
    case.__dict__.pop("_cipher", None)
    return deleted > 0
