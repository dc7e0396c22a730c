"""Consents and the disclosure register of a case, for social services on its team.

Consents name the youth's guardians and say what the family agreed to: only social services on
the team read them (a police officer or a teacher sees what consent shares, not the consents).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from cases.models import Case
from cases.permissions import is_on_team, require_social_services
from consent.disclosures import disclosures_of_case
from consent.evidence import evidence_open
from consent.models import Consent, ConsentEvidence, Disclosure
from consent.policy import ConsentStatus, consent_statuses
from consent.selectors import consents_of_case
from content.access import CaseAccess, case_access, case_queryset_for_user, record_shown
from content.paging import Page, PageRequest, page_of

CONSENTS = "consents"
EVIDENCE = "consent_evidence"
DISCLOSURES = "disclosures"


def evidence_shown(evidence: ConsentEvidence | None) -> dict[str, Any] | None:
    """The signed form's metadata (never the file)."""
    if evidence is None:
        return None
    return {
        "sha256": evidence.sha256,
        "size": evidence.size,
        "content_type": evidence.content_type,
        "uploaded_by": evidence.uploaded_by.username,
        "uploaded_at": evidence.uploaded_at,
        "verified_by": evidence.verified_by.username if evidence.verified_by else None,
        "verified_at": evidence.verified_at,
    }


def consent_shown(consent: Consent, *, status: ConsentStatus) -> dict[str, Any]:
    withdrawal = getattr(consent, "withdrawal_cached", None)
    parties = list(consent.parties.all())
    return {
        "id": consent.pk,
        "case": consent.case_id,
        "giver": consent.giver,
        "guardian": consent.guardian_id,
        # v1: the kinds of the parties besides the case's own social services.
        "agencies": sorted({p.kind for p in parties if p.pk != consent.case.owning_agency_id}),
        "parties": [{"id": p.pk, "name": p.name, "kind": p.kind} for p in parties],
        "categories": list(consent.categories),
        "valid_from": consent.valid_from,
        "valid_until": consent.valid_until,
        "method": consent.method,
        "document_reference": consent.document_reference,
        "recorded_by": consent.recorded_by.username,
        "recorded_at": consent.recorded_at,
        "status": status.status,
        "pending_reason": ({"code": status.reason, "message": status.message} if status.reason is not None else None),
        "evidence": evidence_shown(getattr(consent, "evidence_cached", None)),
        "withdrawn_at": withdrawal.withdrawn_at if withdrawal else None,
        "withdrawal_reason": withdrawal.reason if withdrawal else None,
    }


def consents_shown(*, case: Case, only: UUID | None = None) -> list[dict[str, Any]]:
    """Every consent of ``case`` (or the one ``only``) with its status now, newest first."""
    statuses = consent_statuses(case=case)
    return [
        consent_shown(consent, status=statuses[consent.pk])
        for consent in consents_of_case(case=case)
        if only is None or consent.pk == only
    ]


def consents_for_reader(*, reader: User, case_id: UUID | str) -> list[dict[str, Any]]:
    """The consent history of a case (social services on the team: 403 for other members).
    Records ``consents``."""
    access = case_access(user=reader, case_id=case_id)
    require_social_services(reader)
    body = consents_shown(case=access.case)
    record_shown(reader=reader, view="consents", shown=[(access, {CONSENTS})])
    return body


def consent_for_user(*, user: User, consent_id: UUID | str) -> Consent:
    """A consent on a case the user may open, for acting on it; 404 otherwise (existence is not
    revealed)."""
    try:
        consent: Consent = (
            Consent.objects.filter(case__in=case_queryset_for_user(user))
            .select_related("case__key", "case__youth")
            .get(pk=consent_id)
        )
    except (Consent.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    return consent


@dataclass(frozen=True)
class EvidenceFile:
    consent_id: UUID
    content_type: str
    sha256: str
    data: bytes


MSG_EVIDENCE_TEAM = _("Only social services on the team may read the signed form.")


def evidence_file(*, reader: User, consent_id: UUID | str) -> EvidenceFile:
    """The signed form of a consent, decrypted (social services on the team: 404 for a case the
    reader may not open, 403 for anyone else, including emergency access; 404 when none has been
    uploaded). Records ``consent_evidence``."""
    consent = consent_for_user(user=reader, consent_id=consent_id)
    access = case_access(user=reader, case_id=consent.case_id)
    require_social_services(reader)
    if not is_on_team(user=reader, case=access.case):
        raise PermissionDenied(MSG_EVIDENCE_TEAM)
    evidence = ConsentEvidence.objects.filter(consent=consent).first()
    if evidence is None:
        raise Http404
    evidence.case = access.case  # its key is loaded already
    data = evidence_open(evidence)
    record_shown(reader=reader, view="consent-evidence", shown=[(access, {EVIDENCE})], disclosed=[])
    return EvidenceFile(consent_id=consent.pk, content_type=evidence.content_type, sha256=evidence.sha256, data=data)


def disclosure_shown(row: Disclosure, *, case: Case, detail: bool = True) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": row.pk,
        "case": row.case_id,
        "case_number": case.number,
        "agency": row.agency,
        "categories": list(row.categories),
        "basis": row.basis,
        "consents": list(row.consents),
        "provision": row.provision,
        "conditions": dict(row.conditions),
        "user": row.user.username,
        "disclosed_at": row.disclosed_at,
    }
    if detail:
        body["assessment"] = row.assessment
        body["information"] = row.information
    return body


def disclosures_page(*, reader: User, case_id: UUID | str, page: PageRequest) -> Page[dict[str, Any]]:
    """The case's disclosure register (social services on the team). Records ``disclosures``."""
    access: CaseAccess = case_access(user=reader, case_id=case_id)
    require_social_services(reader)
    rows, count, number, num_pages = page_of(disclosures_of_case(case=access.case), page)
    record_shown(reader=reader, view="disclosures", shown=[(access, {DISCLOSURES})], disclosed=[])
    return Page(
        items=[disclosure_shown(row, case=access.case) for row in rows], count=count, number=number, num_pages=num_pages
    )
