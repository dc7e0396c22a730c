"""Consent records and their withdrawals (OSL 12 kap. 2 §: consent lifts secrecy).

A consent is never edited or deleted: a change is a new record, and a withdrawal is a record of
its own. Which agencies may see what is derived from these rows at each request by
``consent.policy``; nothing is cached.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.fields import EncryptedQuerySet, EncryptedTextField
from cases.models import Agency, AgencyKind, Case, Guardian
from cases.querysets import AuditedQuerySet


class Giver(models.TextChoices):
    GUARDIAN = "guardian", _("Guardian")
    YOUTH = "youth", _("Youth")


class Method(models.TextChoices):
    WRITTEN = "written", _("Written")
    ORAL = "oral", _("Oral")


# Kinds of agency that need consent to see a case; social services own the case and need none.
CONSENT_AGENCIES = (AgencyKind.SCHOOL, AgencyKind.POLICE, AgencyKind.LEISURE)


class Consent(models.Model):
    """One giver's consent that named parties (agencies) exchange given categories of a case, for
    a period (OSL 12 kap. 2 §: the consent says which parties, what, and for how long).

    ``parties`` always include the case's own social services, who record the consent and hold
    the case; the v1 ``agencies`` (kinds) are the kinds of the other parties.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="consents")
    giver = models.CharField(_("giver"), max_length=10, choices=Giver.choices)
    guardian = models.ForeignKey(Guardian, on_delete=models.PROTECT, null=True, blank=True, related_name="consents")
    parties = models.ManyToManyField(Agency, related_name="consents", verbose_name=_("parties"))
    categories = models.JSONField(_("categories"))
    valid_from = models.DateTimeField(_("valid from"))
    valid_until = models.DateTimeField(_("valid until"))
    method = models.CharField(_("method"), max_length=10, choices=Method.choices)
    document_reference = EncryptedTextField(_("where the signed consent is filed"), blank=True, default="")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = EncryptedQuerySet.as_manager()

    # Not columns: set by the readers that load consents with their withdrawals, parties and
    # evidence in a fixed number of queries (consent.selectors, consent.policy).
    withdrawal_cached: ConsentWithdrawal | None  # None when not withdrawn
    party_ids_cached: frozenset[uuid.UUID]
    evidence_verified_cached: bool
    evidence_cached: ConsentEvidence | None  # metadata only (consent.selectors)

    class Meta:
        ordering = ["-recorded_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(giver=Giver.GUARDIAN, guardian__isnull=False) | Q(giver=Giver.YOUTH, guardian__isnull=True),
                name="consent_giver_matches_guardian",
            ),
            models.CheckConstraint(condition=Q(valid_until__gt=models.F("valid_from")), name="consent_period_valid"),
        ]
        indexes = [models.Index(fields=["case", "valid_until"], name="consent_case_until_idx")]

    def __str__(self) -> str:
        return f"consent {self.pk}"

    def encryption_case(self) -> Case:
        return self.case


class EvidenceType(models.TextChoices):
    PDF = "application/pdf", "PDF"
    JPEG = "image/jpeg", "JPEG"
    PNG = "image/png", "PNG"


class ConsentEvidence(models.Model):
    """The signed consent form, scanned: the proof behind a written consent.

    The file is stored in the database (app servers keep no files), sealed with AES-GCM under the
    case's data key and bound to this row (``consent.evidence``): shredding the case's key makes
    it unreadable in every backup too. A second social-services member verifies it against the
    consent (four eyes): the uploader cannot.
    """

    consent = models.OneToOneField(Consent, on_delete=models.CASCADE, primary_key=True, related_name="evidence")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    key_id = models.CharField(max_length=16, editable=False)
    sealed = models.BinaryField(editable=False)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveIntegerField(_("size in bytes"))
    content_type = models.CharField(_("content type"), max_length=40, choices=EvidenceType.choices)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"))
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)

    objects = AuditedQuerySet.as_manager()

    class Meta:
        verbose_name = _("consent evidence")
        verbose_name_plural = _("consent evidence")
        constraints = [
            models.CheckConstraint(
                condition=Q(verified_by__isnull=True) | ~Q(verified_by=models.F("uploaded_by")),
                name="evidence_four_eyes",
            ),
            models.CheckConstraint(
                condition=Q(verified_by__isnull=True, verified_at__isnull=True)
                | Q(verified_by__isnull=False, verified_at__isnull=False),
                name="evidence_verified_at_matches_by",
            ),
            models.CheckConstraint(condition=Q(content_type__in=EvidenceType.values), name="evidence_type_valid"),
        ]

    def __str__(self) -> str:
        return f"evidence of consent {self.consent_id}"

    def encryption_case(self) -> Case:
        """The case whose key seals the file (and which the audit entries of an upload or a
        verification name)."""
        return self.case


class ConsentWithdrawal(models.Model):
    """The withdrawal of one consent: when, why, and who recorded it. At most one per consent."""

    consent = models.OneToOneField(Consent, on_delete=models.CASCADE, primary_key=True, related_name="withdrawal")
    withdrawn_at = models.DateTimeField(_("withdrawn at"))
    reason = EncryptedTextField(_("reason"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = EncryptedQuerySet.as_manager()

    def __str__(self) -> str:
        return f"withdrawal of consent {self.consent_id}"

    def encryption_case(self) -> Case:
        return self.consent.case


class EmergencyAccess(models.Model):
    """Nödåtkomst: a social services user outside the team opens a case for a limited time.

    Always with a written reason; shown to auditors as an anomaly (audit issue).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="emergency_accesses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="emergency_accesses")
    reason = EncryptedTextField(_("reason"))
    started_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    objects = EncryptedQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["user", "case", "expires_at"], name="emergency_user_case_idx")]

    def __str__(self) -> str:
        return f"emergency access {self.pk}"

    def encryption_case(self) -> Case:
        return self.case


class DisclosureBasis(models.TextChoices):
    CONSENT = "consent", _("Consent")
    STATUTE = "statute", _("Statutory provision")


class Disclosure(models.Model):
    """The disclosure register: content of a case made visible to another agency, and on what
    ground (JO 584-2013: what, to whom, on which ground, with the assessment).

    Consent-based rows are written by the system each time another agency is shown content;
    statutory rows are entered by social services (e.g. OSL 10 kap. 18 a §) with the provision's
    conditions and the written assessment. Auditors read the metadata, never the assessment.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="disclosures")
    agency = models.CharField(_("to agency"), max_length=20, choices=AgencyKind.choices)
    categories = models.JSONField(_("categories"))
    basis = models.CharField(_("basis"), max_length=10, choices=DisclosureBasis.choices)
    consents = models.JSONField(_("consents relied on"), default=list, blank=True)
    provision = models.CharField(_("provision"), max_length=40, blank=True, default="")
    conditions = models.JSONField(_("conditions"), default=dict, blank=True)
    assessment = EncryptedTextField(_("assessment"), blank=True, default="")
    information = EncryptedTextField(_("information disclosed"), blank=True, default="")
    # Who entered a statutory disclosure, or who was shown the content under consent.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    disclosed_at = models.DateTimeField()

    objects = EncryptedQuerySet.as_manager()

    class Meta:
        ordering = ["-disclosed_at", "id"]
        indexes = [models.Index(fields=["case", "-disclosed_at"], name="disclosure_case_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(basis=DisclosureBasis.CONSENT) | ~Q(provision=""), name="disclosure_statute_names_provision"
            ),
        ]

    def __str__(self) -> str:
        return f"disclosure {self.pk}"

    def encryption_case(self) -> Case:
        return self.case
