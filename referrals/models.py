"""Referrals (orosanmälan, SoL 14 kap. 1 §): a concern about a young person filed by school, police,
leisure or social services staff, and social services' decision on it.

Everything personal in a referral (the youth's personal number and names, the concern, the
decision's reason) lives in ``EncryptedTextField`` columns under the referral's own data key
(``ReferralKey``), wrapped by the master key like a case's: a referral is readable, re-wrapped and
shredded on its own, whether or not it ever led to a case (docs/encryption.md).
"""

from __future__ import annotations

import uuid

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases import crypto
from cases.fields import EncryptedQuerySet, EncryptedTextField
from cases.models import Agency, Case
from cases.querysets import AuditedQuerySet

NUMBER_PREFIX = "ORO"


class ReferralStatus(models.TextChoices):
    """``received`` until social services decide; then the decision itself."""

    RECEIVED = "received", _("Received")
    OPEN_CASE = "open_case", _("Case opened")
    NO_ACTION = "no_action", _("No action")
    HANDLED_ELSEWHERE = "handled_elsewhere", _("Handled elsewhere")


DECISIONS = (ReferralStatus.OPEN_CASE, ReferralStatus.NO_ACTION, ReferralStatus.HANDLED_ELSEWHERE)


def key_owner_id(referral_id: object) -> str:
    """What a referral's wrapped data key is bound to (the wrapping's associated data): never a
    case id, so a referral's key cannot be passed off as a case's or the other way round."""
    return f"referral:{referral_id}"


class ReferralNumberSequence(models.Model):
    """The last referral number handed out per year; locked row by row when a referral is filed."""

    year = models.PositiveIntegerField(unique=True)
    last_value = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"referrals-{self.year}"


class Referral(models.Model):
    """One concern about one young person. The number (``ORO-2026-0001``) carries no personal data;
    the reporter's agency is the referral's source in the statistics."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    year = models.PositiveIntegerField(editable=False)
    sequence = models.PositiveIntegerField(editable=False)
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="referrals_filed")
    reporter_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="referrals")
    personal_number = EncryptedTextField(_("personal identity number"))
    # The same blind index as Youth.personal_number_index (purpose PNR_INDEX_PURPOSE): one person's
    # referrals and cases fall in the same bucket.
    personal_number_index = models.IntegerField(db_index=True, editable=False)
    given_name = EncryptedTextField(_("given name"))
    family_name = EncryptedTextField(_("family name"))
    concern = EncryptedTextField(_("concern"))
    urgent = models.BooleanField(_("urgent"), default=False)
    received_at = models.DateTimeField(_("received at"))
    status = models.CharField(
        _("status"), max_length=20, choices=ReferralStatus.choices, default=ReferralStatus.RECEIVED
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="referrals_decided"
    )
    decision_reason = EncryptedTextField(_("reason for the decision"), null=True, blank=True)
    # The case opened from it; kept as null when that case is purged (the referral has its own life).
    case = models.ForeignKey(Case, on_delete=models.SET_NULL, null=True, blank=True, related_name="referrals")

    objects = EncryptedQuerySet.as_manager()

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        constraints = [
            models.UniqueConstraint(fields=["year", "sequence"], name="referral_number_per_year"),
            models.CheckConstraint(condition=Q(status__in=ReferralStatus.values), name="referral_status_valid"),
            models.CheckConstraint(
                condition=Q(status=ReferralStatus.RECEIVED, decided_at__isnull=True, decided_by__isnull=True)
                | (
                    ~Q(status=ReferralStatus.RECEIVED)
                    & Q(decided_at__isnull=False, decided_by__isnull=False, decision_reason__isnull=False)
                ),
                name="referral_decision_complete",
            ),
            models.CheckConstraint(
                condition=Q(case__isnull=True) | Q(status=ReferralStatus.OPEN_CASE), name="referral_case_if_opened"
            ),
        ]
        indexes = [
            # The intake queue: undecided first, urgent first, oldest first.
            models.Index(fields=["status", "-urgent", "received_at"], name="referral_queue_idx"),
            models.Index(fields=["reporter", "-received_at"], name="referral_reporter_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    def encryption_case(self) -> Referral:
        """The owner of this row's data key: the referral itself (it belongs to no case)."""
        return self

    def encryption_cipher(self) -> tuple[str, AESGCM]:
        """The (data key id, AES-GCM cipher) protecting this referral's content; unwrapped once."""
        cached = crypto.cached_cipher(self)  # as Case.encryption_cipher: before any string is built
        if cached is not None:
            return cached
        key_row = getattr(self, "key", None)  # None once shredded (see Case.encryption_cipher)
        return crypto.owner_cipher(self, key_row=key_row, binding=key_owner_id(self.pk), what=f"Referral {self.pk}")


class ReferralKey(models.Model):
    """A referral's data key, wrapped by a master key. Deleting this row shreds the referral's content."""

    referral = models.OneToOneField(Referral, on_delete=models.CASCADE, primary_key=True, related_name="key")
    key_id = models.CharField(max_length=16)
    master_key_id = models.CharField(max_length=16)
    wrapped = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)
    rewrapped_at = models.DateTimeField(null=True, blank=True)

    objects = AuditedQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["master_key_id"], name="referralkey_master_idx")]

    def __str__(self) -> str:
        return f"data key of referral {self.referral_id}"
