"""The HMAC signatures (``AUDIT_SIGNING_KEY``) of a retention record, which lets verify trust the
boundary where the chain's removed oldest part ends, and of a checkpoint, which lets verify
continue from a prefix it verified before (docs/audit.md)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from audit.models import AuditCheckpoint, AuditRetention


def signing_key() -> bytes:
    value = settings.AUDIT_SIGNING_KEY
    if not value:
        raise ImproperlyConfigured("AUDIT_SIGNING_KEY is not set; audit retention records cannot be signed.")
    try:
        key = base64.b64decode(value)
    except ValueError:
        raise ImproperlyConfigured("AUDIT_SIGNING_KEY is not valid base64.") from None
    if len(key) < 32:
        raise ImproperlyConfigured("AUDIT_SIGNING_KEY must be at least 32 bytes.")
    return key


def payload(record: AuditRetention | AuditCheckpoint) -> bytes:
    if isinstance(record, AuditCheckpoint):
        fields = {
            "kind": "checkpoint",
            "seq": record.seq,
            "entry_id": record.entry_id,
            "head_hash": record.head_hash,
            "entries_below": record.entries_below,
            "verified_at": record.verified_at.isoformat(),
        }
    else:
        fields = {
            "removed_before": record.removed_before.isoformat(),
            "first_seq_kept": record.first_seq_kept,
            "boundary_hash": record.boundary_hash,
            "entries_removed": record.entries_removed,
            "performed_by": record.performed_by,
            "performed_at": record.performed_at.isoformat(),
        }
        if record.partitions_dropped:  # records from before partitioning keep their signature
            fields["partitions_dropped"] = record.partitions_dropped
    return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()


def sign(record: AuditRetention | AuditCheckpoint) -> str:
    return hmac.new(signing_key(), payload(record), hashlib.sha256).hexdigest()


def signature_valid(record: AuditRetention | AuditCheckpoint) -> bool:
    try:
        return hmac.compare_digest(sign(record), record.signature)
    except ImproperlyConfigured:
        return False
