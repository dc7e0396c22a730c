"""The audit-log entry model (django-auditlog's swappable ``AUDITLOG_LOGENTRY_MODEL``).

It is swapped in from the first migration so that the audit issue can extend it (case number,
hash chain, append-only triggers) without swapping a populated table later.
"""

from __future__ import annotations

from auditlog.models import AbstractLogEntry


class AuditEntry(AbstractLogEntry):
    """One audit-log entry. Holds field names, never the values of personal or free-text fields."""

    class Meta(AbstractLogEntry.Meta):
        swappable = "AUDITLOG_LOGENTRY_MODEL"
        verbose_name = "audit entry"
        verbose_name_plural = "audit entries"
