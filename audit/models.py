"""The audit log: django-auditlog's swappable entry model, extended, and its hash chain.

Entries hold who, when, from where, which object and case, and which fields or categories:
never the values of personal or free-text fields. The database refuses UPDATE, DELETE and
TRUNCATE on both tables (migration 0002). Entries are chained after they commit by
``audit.chain.seal`` (docs/audit.md): writers never wait on the chain.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from auditlog.models import AbstractLogEntry, LogEntryManager
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from audit.context import current, gathered
from cases.fields import EncryptedTextField
from cases.models import Case, SystemKeyOwner


class AuditEvent(models.TextChoices):
    CREATE = "create", _("Create")
    UPDATE = "update", _("Update")
    DELETE = "delete", _("Delete")
    ACCESS = "access", _("Access")
    DENIED = "denied", _("Denied")
    EMERGENCY = "emergency", _("Emergency access")
    LOGIN = "login", _("Login")
    LOGIN_FAILED = "login_failed", _("Failed login")
    LOGOUT = "logout", _("Logout")
    TOKEN_REVOKED = "token_revoked", _("Tokens revoked")
    EXPORT = "export", _("Export")
    REVIEW = "review", _("Log review")
    PURGE = "purge", _("Purge (gallring)")
    LEGAL_HOLD = "legal_hold", _("Legal hold")
    NOTIFY = "notify", _("Reminder mail sent")
    GRANT_REQUESTED = "grant_requested", _("Access grant requested")
    GRANT_APPROVED = "grant_approved", _("Access grant approved")
    GRANT_REJECTED = "grant_rejected", _("Access grant rejected")
    ENROLMENT_ISSUED = "enrolment_issued", _("Enrolment code issued")
    ENROLLED = "enrolled", _("Authenticator enrolled")
    EMERGENCY_APPROVED = "emergency_approved", _("New account approved for emergency access")
    ALERT = "alert", _("Alert")


ACTION_EVENTS = {
    AbstractLogEntry.Action.CREATE: AuditEvent.CREATE,
    AbstractLogEntry.Action.UPDATE: AuditEvent.UPDATE,
    AbstractLogEntry.Action.DELETE: AuditEvent.DELETE,
    AbstractLogEntry.Action.ACCESS: AuditEvent.ACCESS,
}


class AuditEntryManager(LogEntryManager):
    """django-auditlog writes through ``log_create``: keep the changed field names, drop every value.

    auditlog's own masking stars out only half of a string, and its diff holds decrypted values;
    so the values never reach the row at all. Actor, address and correlation id come from the
    request context (audit/context.py), which is set after DRF has authenticated.
    """

    def log_create(self, instance: Any, force_log: bool = False, **kwargs: Any) -> Any:
        changes = kwargs.get("changes")
        if isinstance(changes, str):
            changes = json.loads(changes)
        kwargs["changed_fields"] = sorted(changes) if isinstance(changes, dict) else []
        kwargs["changes"] = None
        kwargs["changes_text"] = ""
        kwargs["serialized_data"] = None
        kwargs.setdefault("event", ACTION_EVENTS.get(kwargs.get("action"), AuditEvent.UPDATE))
        case = _case_of(instance)
        if case is not None:
            kwargs.setdefault("case_ref", case.pk)
            kwargs.setdefault("case_number", case.number)
        return super().log_create(instance, force_log=force_log or changes is not None, **kwargs)

    def create(self, **kwargs: Any) -> Any:

        context = current()
        actor = kwargs.get("actor") or context.actor
        if actor is not None and getattr(actor, "is_authenticated", False):
            kwargs["actor"] = actor
            kwargs.setdefault("actor_username", actor.get_username())
        else:
            kwargs.pop("actor", None)
        kwargs["actor_email"] = None  # e-mail addresses are personal data the log does not need
        kwargs.setdefault("remote_addr", context.remote_addr or None)
        if not kwargs.get("cid"):
            kwargs["cid"] = context.correlation_id
        pending = gathered()
        if pending is not None:  # inserted with the others at the end (audit.services.entries_together)
            entry = self.model(**kwargs)
            pending.append(entry)
            return entry
        return super().create(**kwargs)


def _case_of(instance: object) -> Case | None:
    getter = getattr(instance, "encryption_case", None)
    if getter is None:
        content_object = getattr(instance, "content_object", None)  # guardian grants
        return content_object if isinstance(content_object, Case) else None
    try:
        owner = getter()
    except Exception:  # noqa: BLE001 - a half-deleted object: log it without its case
        return None
    return owner if isinstance(owner, Case) else None  # not a system key


class AuditEntry(AbstractLogEntry):
    """One audit-log entry. Holds field names, never the values of personal or free-text fields."""

    event = models.CharField(_("event"), max_length=20, choices=AuditEvent.choices)
    actor_username = models.CharField(_("actor"), max_length=150, blank=True, default="")
    case_ref = models.UUIDField(_("case"), null=True, blank=True)
    case_number = models.CharField(_("case number"), max_length=20, blank=True, default="")
    fields_shown = models.JSONField(_("categories or fields shown"), default=list, blank=True)
    changed_fields = models.JSONField(_("changed fields"), default=list, blank=True)

    # django-auditlog's fields as it defines them, without the single-column indexes nobody reads
    # through: every audit write maintained fourteen indexes, half of them unused (measured:
    # docs/performance.md). Searches go through the composite (key, time, id) indexes below; the
    # foreign keys' indexes would only serve deleting a user or a content type, which the
    # append-only triggers refuse anyway. The correlation id keeps a plain index (ops look an
    # incident up by it), without the LIKE index.
    content_type = models.ForeignKey(
        to="contenttypes.ContentType",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("content type"),
        db_index=False,
    )
    object_pk = models.CharField(max_length=255, verbose_name=_("object pk"))
    object_id = models.BigIntegerField(blank=True, null=True, verbose_name=_("object id"))
    action = models.PositiveSmallIntegerField(choices=AbstractLogEntry.Action.choices, verbose_name=_("action"))
    actor = models.ForeignKey(
        to=settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        blank=True,
        null=True,
        related_name="+",
        verbose_name=_("actor"),
        db_index=False,
    )
    cid = models.CharField(max_length=255, blank=True, null=True, verbose_name=_("Correlation ID"))  # noqa: DJ001 - as auditlog has it

    objects = AuditEntryManager()

    class Meta(AbstractLogEntry.Meta):
        swappable = "AUDITLOG_LOGENTRY_MODEL"
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [
            models.Index(fields=["case_ref", "-timestamp", "-id"], name="audit_case_time_idx"),
            models.Index(fields=["case_number", "-timestamp", "-id"], name="audit_casenum_time_idx"),
            models.Index(fields=["actor_username", "-timestamp", "-id"], name="audit_actor_time_idx"),
            models.Index(fields=["event", "-timestamp", "-id"], name="audit_event_time_idx"),
            models.Index(fields=["cid"], name="audit_cid_idx"),
        ]

    def __str__(self) -> str:
        return f"audit entry {self.pk}"


class AuditChainLink(models.Model):
    """The hash chain, one link per entry, in the order the sealer found them committed.

    hash = SHA-256(prev_hash || canonical(entry)); altering, removing or reordering an entry or a
    link breaks every later hash. Append-only like the entries.
    """

    seq = models.BigIntegerField(primary_key=True)
    # No foreign key in the database: the entries are partitioned by month (audit/partitions.py),
    # and PostgreSQL 15 references a partitioned table only through a key that includes the
    # partition column. verify finds a link whose entry is gone.
    entry = models.OneToOneField(
        settings.AUDITLOG_LOGENTRY_MODEL, on_delete=models.PROTECT, related_name="link", db_constraint=False
    )
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    sealed_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"chain link {self.seq}"


REVIEW_KEY_NAME = "log-review"


class Verdict(models.TextChoices):
    JUSTIFIED = "justified", _("Justified")
    UNJUSTIFIED = "unjustified", _("Not justified")


class LogReview(models.Model):
    """A log check (loggkontroll) of one period: a random sample of accesses plus every anomaly,
    each marked justified or not by the auditor, then signed off. Kept for good."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    period_start = models.DateTimeField(_("period start"))
    period_end = models.DateTimeField(_("period end"))
    sample_size = models.PositiveIntegerField(_("sample size"))
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(auto_now_add=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_off_at = models.DateTimeField(null=True, blank=True)
    conclusion = EncryptedTextField(_("conclusion"), blank=True, default="")
    # The kinds of finding the period held more of than AUDIT_REVIEW_FINDINGS_PER_KIND.
    findings_capped = models.JSONField(_("kinds with more findings than the check takes"), default=list, blank=True)

    class Meta:
        ordering = ["-started_at", "id"]

    def __str__(self) -> str:
        return f"log review {self.pk}"

    def encryption_case(self) -> SystemKeyOwner:
        # Per instance, never per process: a key created in a transaction that rolls back must
        # not outlive it in a cache.
        owner: SystemKeyOwner = self.__dict__.setdefault("_key_owner", SystemKeyOwner(REVIEW_KEY_NAME))
        return owner


class LogReviewItem(models.Model):
    """One access (or finding) to judge within a review, with the auditor's verdict and comment."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    review = models.ForeignKey(LogReview, on_delete=models.PROTECT, related_name="items")
    # The entry itself may later go by the audit retention path; its id, actor and case number stay.
    entry = models.ForeignKey(
        settings.AUDITLOG_LOGENTRY_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,  # partitioned, as the link's
    )
    entry_number = models.BigIntegerField(_("audit entry"), null=True, blank=True)
    reason = models.CharField(_("why it is in the review"), max_length=30)
    detail = models.CharField(_("detail"), max_length=200, blank=True, default="")
    actor = models.CharField(_("actor"), max_length=150, blank=True, default="")
    case_number = models.CharField(_("case number"), max_length=20, blank=True, default="")
    verdict = models.CharField(_("verdict"), max_length=20, choices=Verdict.choices, blank=True, default="")
    comment = EncryptedTextField(_("comment"), blank=True, default="")
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    marked_at = models.DateTimeField(null=True, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"log review item {self.pk}"

    def encryption_case(self) -> SystemKeyOwner:
        # Per instance, never per process: a key created in a transaction that rolls back must
        # not outlive it in a cache.
        owner: SystemKeyOwner = self.__dict__.setdefault("_key_owner", SystemKeyOwner(REVIEW_KEY_NAME))
        return owner


class AuditCheckpoint(models.Model):
    """The signed record that the chain verified whole up to link ``seq`` (head ``head_hash``) and
    that every entry up to ``entries_below`` had its link then. ``verify`` continues from the
    newest one whose signature holds, so a day's verify at 10 million entries takes seconds; the
    full walk stays available (``verify_audit --full``). Append-only, like the log."""

    id = models.BigAutoField(primary_key=True)
    seq = models.BigIntegerField()
    entry_id = models.BigIntegerField()
    head_hash = models.CharField(max_length=64)
    entries_below = models.BigIntegerField()
    verified_at = models.DateTimeField()
    signature = models.CharField(max_length=64)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"audit checkpoint {self.pk}"


class AuditRetention(models.Model):
    """The signed record that a range of old entries (and their links) was removed by the
    documented retention path. ``verify`` starts the chain from ``boundary_hash`` at
    ``first_seq_kept``, so what remains still verifies; the HMAC shows who could have written it."""

    id = models.BigAutoField(primary_key=True)
    removed_before = models.DateTimeField()
    first_seq_kept = models.BigIntegerField()
    boundary_hash = models.CharField(max_length=64)
    entries_removed = models.BigIntegerField()
    performed_by = models.CharField(max_length=150)
    performed_at = models.DateTimeField()
    # The month partitions detached and dropped whole (PostgreSQL); signed when there are any.
    partitions_dropped = models.JSONField(null=True, blank=True)
    signature = models.CharField(max_length=64)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"audit retention {self.pk}"
