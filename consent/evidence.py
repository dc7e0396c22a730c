"""The signed consent form (API.md, "Consent evidence"): upload, four-eyes verification, and
reading the file back.

The file is recognised by its content (PDF, JPEG or PNG magic bytes; the name and the client's
content type are ignored), limited to CONSENT_EVIDENCE_MAX_BYTES, and sealed with AES-GCM under
the case's data key, bound to its row: the database holds no readable copy, the app servers no
file at all, and shredding the case's key makes every backup's copy unreadable too. A consent
shares the categories in CONSENT_EVIDENCE_REQUIRED_FOR only once a social-services member other
than the uploader has verified the form (consent.policy).
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable
from uuid import UUID

import filetype
from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from PIL import Image

from cases import crypto
from cases.errors import Conflict, TooLarge
from cases.permissions import is_on_team, require_open, require_social_services
from consent.models import Consent, ConsentEvidence, EvidenceType, Method

MSG_EVIDENCE_TYPE = _("The file must be a PDF, JPEG or PNG (recognised by its content, not its name).")
MSG_EVIDENCE_EMPTY = _("Attach the scanned form as the field file.")
MSG_EVIDENCE_TOO_LARGE = _("The file is larger than {mib} MiB. Scan it at a lower resolution or in black and white.")
MSG_EVIDENCE_VERIFIED = _("The signed form has been verified and can no longer be replaced.")
MSG_EVIDENCE_ORAL = _("An oral consent has no signed form. Record a written consent to attach one.")
MSG_EVIDENCE_MISSING = _("No signed form has been uploaded for this consent.")
MSG_EVIDENCE_OWN = _("You uploaded this form: another social-services member must verify it.")
MSG_EVIDENCE_ALREADY_VERIFIED = _("The signed form is already verified.")
MSG_EVIDENCE_TEAM = _("Only social services on the team handle the signed form.")
MSG_EVIDENCE_CHANGED = _("The form has been replaced since you read it. Read the new one before you verify it.")

_SNIFFED = {"application/pdf": EvidenceType.PDF, "image/jpeg": EvidenceType.JPEG, "image/png": EvidenceType.PNG}


def _require_team_social_services(actor: User, consent: Consent) -> None:
    """Social services on the case's team: not by emergency access (which is for reading in an
    emergency, not for widening what the team shares)."""
    require_social_services(actor)
    if not is_on_team(user=actor, case=consent.case):
        raise PermissionDenied(MSG_EVIDENCE_TEAM)


def _aad(evidence: ConsentEvidence) -> bytes:
    return crypto.field_aad(
        key_id=evidence.key_id, table=ConsentEvidence._meta.db_table, column="sealed", row_id=str(evidence.consent_id)
    )


def too_large_message() -> str:
    return str(MSG_EVIDENCE_TOO_LARGE).format(mib=settings.CONSENT_EVIDENCE_MAX_BYTES // (1024 * 1024))


def _is_image(data: bytes, expected: str) -> bool:
    """Whether Pillow decodes ``data`` as a whole image of the ``expected`` format (a magic
    number followed by something else, a script or an executable, is not one)."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != expected:
                return False
            image.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return False
    return True


def sniff(data: bytes) -> str:
    """The evidence type of ``data`` by its content; a ``ValidationError`` naming ``file`` for
    anything else. A PDF must start as one and end as one (a truncated upload is refused); an
    image must decode whole and carry no PDF header in its first KiB (a PDF behind an image's
    magic number, which PDF readers would open)."""
    kind = filetype.guess(data[:8192])
    content_type = _SNIFFED.get(kind.mime) if kind is not None else None
    if content_type == EvidenceType.PDF:
        valid = data.startswith(b"%PDF-") and b"%%EOF" in data[-2048:]
    elif content_type == EvidenceType.JPEG:
        valid = b"%PDF" not in data[:1024] and _is_image(data, "JPEG")
    elif content_type == EvidenceType.PNG:
        valid = b"%PDF" not in data[:1024] and _is_image(data, "PNG")
    else:
        valid = False
    if not valid or content_type is None:
        raise ValidationError({"file": [MSG_EVIDENCE_TYPE]})
    return content_type


@transaction.atomic
def evidence_upload(*, actor: User, consent: Consent, data: bytes) -> ConsentEvidence:
    """Attach the scanned, signed form to a written consent (social services on the team). An
    unverified form may be replaced; a verified one may not (409)."""
    _require_team_social_services(actor, consent)
    require_open(consent.case)
    if consent.method != Method.WRITTEN:
        raise Conflict(MSG_EVIDENCE_ORAL, code="oral_consent")
    if not data:
        raise ValidationError({"file": [MSG_EVIDENCE_EMPTY]})
    if len(data) > settings.CONSENT_EVIDENCE_MAX_BYTES:
        raise TooLarge(too_large_message())
    content_type = sniff(data)
    evidence = ConsentEvidence.objects.select_for_update().filter(consent=consent).first()
    if evidence is not None and evidence.verified_at is not None:
        raise Conflict(MSG_EVIDENCE_VERIFIED, code="evidence_verified")
    if evidence is None:
        evidence = ConsentEvidence(consent=consent, case=consent.case)
    key_id, cipher = consent.case.encryption_cipher()
    evidence.key_id = key_id
    evidence.sealed = crypto.encrypt_bytes(cipher, data, aad=_aad(evidence))
    evidence.sha256 = hashlib.sha256(data).hexdigest()
    evidence.size = len(data)
    evidence.content_type = content_type
    evidence.uploaded_by = actor
    evidence.uploaded_at = timezone.now()
    evidence.full_clean(exclude=["consent", "case", "uploaded_by", "verified_by", "sealed"])
    evidence.save()
    return evidence


@transaction.atomic
def evidence_verify(*, actor: User, consent: Consent, sha256: str | None = None) -> ConsentEvidence:
    """A second social-services member of the team confirms the uploaded form is the signed
    consent as recorded (four eyes: the uploader gets 403; the database refuses it too). With
    ``sha256`` (the form the verifier read), a form replaced since is a conflict: the verifier
    confirms the bytes they saw, not whatever is stored now."""
    _require_team_social_services(actor, consent)
    require_open(consent.case)
    evidence = ConsentEvidence.objects.select_for_update().filter(consent=consent).defer("sealed").first()
    if evidence is None:
        raise Conflict(MSG_EVIDENCE_MISSING, code="no_evidence")
    if evidence.verified_at is not None:
        raise Conflict(MSG_EVIDENCE_ALREADY_VERIFIED, code="already_verified")
    if evidence.uploaded_by_id == actor.pk:
        raise PermissionDenied(MSG_EVIDENCE_OWN)
    if sha256 is not None and sha256.lower() != evidence.sha256:
        raise Conflict(MSG_EVIDENCE_CHANGED, code="evidence_changed")
    evidence.verified_by = actor
    evidence.verified_at = timezone.now()
    evidence.save(update_fields=["verified_by", "verified_at"])
    return evidence


def evidence_metadata(*, consent_ids: Iterable[UUID]) -> dict[UUID, ConsentEvidence]:
    """The evidence of each of ``consent_ids`` without the file: one query."""
    rows = (
        ConsentEvidence.objects.filter(consent_id__in=consent_ids)
        .defer("sealed")
        .select_related("uploaded_by", "verified_by")
    )
    return {row.consent_id: row for row in rows}


def evidence_open(evidence: ConsentEvidence) -> bytes:
    """The file, decrypted with its case's key (``DecryptionError`` once the key is shredded)."""
    key_id, cipher = evidence.case.encryption_cipher()
    if key_id != evidence.key_id:
        raise crypto.DecryptionError(f"Evidence of consent {evidence.consent_id} was sealed under another data key.")
    try:
        return crypto.decrypt_bytes(cipher, bytes(evidence.sealed), aad=_aad(evidence))
    except Exception as exc:  # noqa: BLE001 - InvalidTag and malformed data alike
        raise crypto.DecryptionError(f"Evidence of consent {evidence.consent_id} failed its integrity check.") from exc
