from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from audit import partitions

# Every model whose changes are audited. Values never reach the log (audit.models.AuditEntryManager):
# only which fields changed, by whom, when, from where.
AUDITED_MODELS = [
    "auth.User",
    "cases.Agency",
    "cases.StaffProfile",
    "cases.Case",
    "cases.CaseKey",
    "cases.CaseMember",
    "cases.CaseUserObjectPermission",
    "cases.Youth",
    "cases.Guardian",
    "cases.Meeting",
    "cases.ActionItem",
    "cases.HomeVisit",
    "cases.VisitNote",
    "cases.Note",
    "cases.PoliceLink",
    "consent.Consent",
    "consent.ConsentWithdrawal",
    "consent.ConsentEvidence",
    "consent.EmergencyAccess",
    "consent.Disclosure",
    "cases.SystemKey",
    "cases.LegalHold",
    "cases.ClosureRequest",
    "cases.CaseReopening",
    "audit.LogReview",
    "oversight.FrozenYear",
    "audit.LogReviewItem",
    "referrals.Referral",
    "referrals.ReferralKey",
    "otp_totp.TOTPDevice",
    "accounts.SealedTOTPDevice",
    "accounts.EnrolmentCode",
]


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        post_migrate.connect(_partitions_ahead, sender=self)
        from auditlog.registry import auditlog
        from django.apps import apps

        for label in AUDITED_MODELS:
            model = apps.get_model(label)
            if not auditlog.contains(model):
                # Binary and secret columns are not diffed at all (a wrapped key is not text).
                auditlog.register(
                    model, serialize_data=False, exclude_fields=["last_login", "password", "wrapped", "key", "sealed"]
                )


def _partitions_ahead(using: str = "default", **kwargs: Any) -> None:
    """Every migrate leaves the audit log's month partitions created ahead (audit/partitions.py)."""
    if using == "default":
        partitions.ensure()
