"""Operations on case data keys: re-wrapping under the newest master key, and crypto-shredding.

Data keys never change here, only the master key that wraps them, so content is not re-encrypted
by a rotation and a rotation can stop anywhere: each key is re-wrapped in its own small
transaction, and the next run continues with those still under an old master key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from cases import crypto
from cases.models import Case, CaseKey, SystemKey


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


def rewrap_row(row: Any, *, binding: str) -> None:
    """Re-wrap one key row (a case's, a referral's, a system key) under the current master key:
    the data key is unwrapped with the old master key and wrapped again, bound to the same id."""
    data_key = crypto.unwrap_data_key(row.wrapped, master_key_id=row.master_key_id, case_id=binding, key_id=row.key_id)
    row.master_key_id, row.wrapped = crypto.wrap_data_key(data_key, case_id=binding, key_id=row.key_id)
    row.rewrapped_at = timezone.now()
    row.save(update_fields=["master_key_id", "wrapped", "rewrapped_at"])


def rewrap_in_batches(
    pending: QuerySet[Any],
    *,
    binding: Callable[[Any], str],
    order_by: str,
    batch_size: int,
    limit: int | None,
    progress: Callable[[int], None] | None,
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
            for row in batch:
                rewrap_row(row, binding=binding(row))
        done += len(batch)
        if progress is not None:
            progress(len(batch))
    return done


def _system_keys_rewrap(current: str) -> int:
    count = 0
    with transaction.atomic():
        for row in SystemKey.objects.select_for_update().exclude(master_key_id=current):
            rewrap_row(row, binding=f"system:{row.name}")
            count += 1
    return count


def case_keys_rewrap(
    *, batch_size: int = 500, limit: int | None = None, progress: Callable[[int], None] | None = None
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
        done=_system_keys_rewrap(current),
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
