"""Second factors, grants under four eyes, enrolment codes and emergency-access approvals.

docs/decisions/0013-totp-secrets-encrypted.md and 0014-four-eyes-grants-and-enrolment.md say why.
"""

from __future__ import annotations

import time
import uuid
from base64 import b32encode
from binascii import unhexlify
from typing import Any
from urllib.parse import quote, urlencode

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.oath import TOTP
from django_otp.util import random_hex

from cases import crypto
from cases.fields import EncryptedTextField
from cases.models import Agency, Role, SystemKeyOwner

# The system data key (cases.models.SystemKey) that seals every TOTP secret.
TOTP_KEY_NAME = "totp"


def new_totp_key() -> str:
    """20 random bytes, hex: what django-otp's TOTPDevice generates."""
    return str(random_hex(20))


class RowSealedTextField(EncryptedTextField):
    """EncryptedTextField for a model whose primary key is an integer the database assigns (django-otp
    devices must have one: their persistent id is parsed with ``int``). The ciphertext is bound to a
    random row id set before the insert, and to the owning user, so it decrypts in no other row and
    for no other user."""

    def _aad(self, instance: Any, key_id: str) -> bytes:
        return crypto.field_aad(
            key_id=key_id, table=instance._meta.db_table, column=self.column, row_id=sealed_row_id(instance)
        )


def sealed_row_id(instance: Any) -> str:
    return f"{instance.uid}:{instance.user_id}"


class SealedTOTPDevice(TimestampMixin, ThrottlingMixin, Device):
    """A TOTP authenticator whose secret exists in the database only as ciphertext bound to its
    row (EncryptedTextField under the ``totp`` system key). django-otp's TOTP algorithm checks the
    codes; only the storage of the key differs from django-otp's TOTPDevice. Created only by the
    user's own enrolment (accounts.services.enrolment_start) or the bootstrap path; never in the admin."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    key = RowSealedTextField(_("key"), default=new_totp_key, editable=False)
    step = models.PositiveSmallIntegerField(default=30)
    t0 = models.BigIntegerField(default=0)
    digits = models.PositiveSmallIntegerField(choices=[(6, 6), (8, 8)], default=6)
    tolerance = models.PositiveSmallIntegerField(default=1)
    drift = models.SmallIntegerField(default=0)
    last_t = models.BigIntegerField(default=-1)

    class Meta(Device.Meta):
        verbose_name = _("authenticator")
        verbose_name_plural = _("authenticators")

    def encryption_case(self) -> SystemKeyOwner:
        # Per instance, never per process (as audit.models.LogReview).
        owner: SystemKeyOwner = self.__dict__.setdefault("_key_owner", SystemKeyOwner(TOTP_KEY_NAME))
        return owner

    @property
    def bin_key(self) -> bytes:
        return unhexlify(str(self.key).encode())

    def _totp(self) -> TOTP:
        totp = TOTP(self.bin_key, self.step, self.t0, self.digits, self.drift)
        totp.time = time.time()
        return totp

    def token_matches(self, token: Any) -> bool:
        """Whether ``token`` is a current code, without recording anything (same work as a
        verification: the admin login checks a code even after a wrong password, for equal timing)."""
        try:
            value = int(token)
        except (TypeError, ValueError):
            return False
        return bool(self._totp().verify(value, self.tolerance, self.last_t + 1))

    def verify_token(self, token: Any) -> bool:
        """django-otp's TOTPDevice.verify_token: throttled, each code once, drift followed."""
        allowed, _reason = self.verify_is_allowed()
        if not allowed:
            return False
        try:
            value = int(token)
        except (TypeError, ValueError):
            value = None
        totp = self._totp()
        verified = value is not None and bool(totp.verify(value, self.tolerance, self.last_t + 1))
        if verified:
            self.last_t = totp.t()
            if getattr(settings, "OTP_TOTP_SYNC", True):
                self.drift = totp.drift
            self.throttle_reset(commit=False)
            self.set_last_used_timestamp(commit=False)
            self.save()
        else:
            self.throttle_increment(commit=True)
        return verified

    def get_throttle_factor(self) -> int:
        return int(getattr(settings, "OTP_TOTP_THROTTLE_FACTOR", 1))

    @property
    def config_url(self) -> str:
        """The otpauth:// URI an authenticator app reads (shown once, at enrolment)."""
        issuer = str(getattr(settings, "OTP_TOTP_ISSUER", "") or "").replace(":", "")
        label = self.user.get_username()
        params = urlencode(
            {"secret": b32encode(self.bin_key), "algorithm": "SHA1", "digits": self.digits, "period": self.step}
        )
        if issuer:
            label = f"{issuer}:{label}"
            params += f"&issuer={quote(issuer)}"
        return f"otpauth://totp/{quote(label)}?{params}"


MSG_REACTIVATE_ENROLS = _("A re-activated account needs a new enrolment code: tick both.")


class GrantStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a second administrator")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class AccessGrant(models.Model):
    """A requested change to what a user may reach (role and agency if a role is named; staff and
    superuser status set to the values given; a deactivated account active again) and, optionally
    (for re-activation always), a new enrolment code. It takes
    effect only when a second administrator approves it (accounts.services.grant_approve).
    Requester and approver differ, and neither is its subject."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True, default="")
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("agency")
    )
    is_staff = models.BooleanField(_("staff status (admin site)"), default=False)
    is_superuser = models.BooleanField(_("superuser status"), default=False)
    enrolment = models.BooleanField(
        _("issue an enrolment code"),
        default=False,
        help_text=_("The approving administrator receives a one-time code to hand to the user."),
    )
    reactivate = models.BooleanField(
        _("re-activate the account"),
        default=False,
        help_text=_("A deactivated account lost its authenticators: it comes back only with a new enrolment code."),
    )
    status = models.CharField(_("status"), max_length=10, choices=GrantStatus.choices, default=GrantStatus.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("access grant")
        verbose_name_plural = _("access grants")
        ordering = ["-requested_at"]
        constraints = [
            models.CheckConstraint(condition=~Q(requested_by=F("user")), name="grant_not_for_oneself"),
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | (~Q(decided_by=F("requested_by")) & ~Q(decided_by=F("user"))),
                name="grant_four_eyes",
            ),
            models.CheckConstraint(
                condition=Q(reactivate=False) | Q(enrolment=True),
                name="grant_reactivate_enrols",
                violation_error_message=MSG_REACTIVATE_ENROLS,
            ),
        ]

    def __str__(self) -> str:
        return f"access grant {self.pk}"


class AccountOrigin(models.Model):
    """Who created an account in the admin, and so knows its initial password: that administrator
    may never receive its enrolment code (accounts.services.grant_approve)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"origin of account {self.user_id}"


class EnrolmentCode(models.Model):
    """A one-time code that lets a user enrol their own authenticator: only its SHA-256 is kept
    (the code is 160 random bits, so no salt or slow hash is needed), it expires, and it is used once."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    digest = models.CharField(max_length=64, unique=True)
    grant = models.ForeignKey(AccessGrant, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    issued_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("enrolment code")
        verbose_name_plural = _("enrolment codes")

    def __str__(self) -> str:
        return f"enrolment code {self.pk}"


class EmergencyApproval(models.Model):
    """A coordinator's approval that a new account (younger than EMERGENCY_ACCESS_NEW_ACCOUNT_DAYS)
    may open emergency access: given by a coordinator of the same agency, never by oneself."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("emergency access approval")
        verbose_name_plural = _("emergency access approvals")
        constraints = [models.CheckConstraint(condition=~Q(approved_by=F("user")), name="emergency_approval_not_self")]

    def __str__(self) -> str:
        return f"emergency access approval {self.pk}"
