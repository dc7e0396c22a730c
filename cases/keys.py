"""Operations on case data keys: re-wrapping under the newest master key, and crypto-shredding.

Data keys never change here, only the master key that wraps them, so content is not re-encrypted
by a rotation and a rotation can stop anywhere: each key is re-wrapped in its own small
transaction, and the next run continues with those still under an old master key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
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


def _system_keys_rewrap(current: str) -> int:
    count = 0
    with transaction.atomic():
        for row in SystemKey.objects.select_for_update().exclude(master_key_id=current):
            owner_id = f"system:{row.name}"
            data_key = crypto.unwrap_data_key(
                row.wrapped, master_key_id=row.master_key_id, case_id=owner_id, key_id=row.key_id
            )
            row.master_key_id, row.wrapped = crypto.wrap_data_key(data_key, case_id=owner_id, key_id=row.key_id)
            row.rewrapped_at = timezone.now()
            row.save(update_fields=["master_key_id", "wrapped", "rewrapped_at"])
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
    result.rewrapped += _system_keys_rewrap(current)
    while limit is None or result.rewrapped < limit:
        size = batch_size if limit is None else min(batch_size, limit - result.rewrapped)
        with transaction.atomic():
            batch = list(
                CaseKey.objects.select_for_update(skip_locked=True)
                .exclude(master_key_id=current)
                .order_by("case_id")[:size]
            )
            if not batch:
                break
            for case_key in batch:
                data_key = crypto.unwrap_data_key(
                    case_key.wrapped,
                    master_key_id=case_key.master_key_id,
                    case_id=str(case_key.case_id),
                    key_id=case_key.key_id,
                )
                case_key.master_key_id, case_key.wrapped = crypto.wrap_data_key(
                    data_key, case_id=str(case_key.case_id), key_id=case_key.key_id
                )
                case_key.rewrapped_at = timezone.now()
                case_key.save(update_fields=["master_key_id", "wrapped", "rewrapped_at"])
        result.rewrapped += len(batch)
        if progress is not None:
            progress(len(batch))
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
