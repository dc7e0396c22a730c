"""Operations on referral data keys: re-wrapping under the newest master key, and crypto-shredding.

The same steps as ``cases.keys`` for case keys (the case core cannot know about referrals, which sit
above it): data keys never change here, only the master key that wraps them, so a rotation does not
re-encrypt content and can stop anywhere. ``manage.py rotate_referral_keys`` runs it after
``rotate_keys`` (docs/encryption.md, "Rotation and shredding").
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from audit.services import keys_rewrapped
from cases import crypto
from cases.keys import RewrapResult, rewrap_in_batches
from referrals.models import Referral, ReferralKey, key_owner_id


def referral_keys_pending_rewrap() -> int:
    """How many referral data keys are still wrapped under a master key other than the current one."""
    return ReferralKey.objects.exclude(master_key_id=crypto.keyring().current_id).count()


def referral_keys_rewrap(
    *, batch_size: int = 1000, limit: int | None = None, progress: Callable[[int], None] | None = None
) -> RewrapResult:
    """Re-wrap referral data keys under the current master key, ``batch_size`` per transaction
    (``cases.keys.rewrap_in_batches``, audited an entry per key).

    Safe to interrupt and re-run: a key is either still under its old master key (readable while
    that key stays configured) or already under the new one.
    """
    current = crypto.keyring().current_id
    result = RewrapResult()
    result.rewrapped = rewrap_in_batches(
        ReferralKey.objects.exclude(master_key_id=current),
        binding=lambda row: key_owner_id(row.referral_id),
        order_by="referral_id",
        batch_size=batch_size,
        limit=limit,
        progress=progress,
        audit=keys_rewrapped,
    )
    result.remaining = referral_keys_pending_rewrap()
    return result


@transaction.atomic
def referral_key_shred(*, referral: Referral) -> bool:
    """Destroy the referral's data key: its personal number, names, concern and reason become
    unreadable for good, in the database and in every backup that does not also hold the key.
    Nothing else is touched (no case, no other referral).

    For retention (gallring); callers record why. Returns False if the key was already gone.
    """
    deleted, _by_model = ReferralKey.objects.filter(referral_id=referral.pk).delete()
    referral.__dict__.pop("_cipher", None)
    return deleted > 0
