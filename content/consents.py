"""Consents and the disclosure register of a case, for social services on its team.

Consents name the youth's guardians and say what the family agreed to: only social services on
the team read them (a police officer or a teacher sees what consent shares, not the consents).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib.auth.models import User
from django.http import Http404

from cases.models import Case
from cases.permissions import require_social_services
from consent.disclosures import disclosures_of_case
from consent.models import Consent, Disclosure
from consent.policy import consent_statuses
from consent.selectors import consents_of_case
from content.access import CaseAccess, case_access, case_queryset_for_user, record_shown
from content.paging import Page, PageRequest, page_of

CONSENTS = "consents"
DISCLOSURES = "disclosures"


def consent_shown(consent: Consent, *, status: str) -> dict[str, Any]:
    withdrawal = getattr(consent, "withdrawal_cached", None)
    return {
        "id": consent.pk,
        "case": consent.case_id,
        "giver": consent.giver,
        "guardian": consent.guardian_id,
        "agencies": list(consent.agencies),
        "categories": list(consent.categories),
        "valid_from": consent.valid_from,
        "valid_until": consent.valid_until,
        "method": consent.method,
        "document_reference": consent.document_reference,
        "recorded_by": consent.recorded_by.username,
        "recorded_at": consent.recorded_at,
        "status": status,
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
