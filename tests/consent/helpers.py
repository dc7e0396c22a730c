"""Consents recorded through the service, and a case's one guardian, for the consent tests."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from cases.models import SOCIAL_SERVICES_ROLES, Agency, AgencyKind, CaseMember, Guardian, Role
from cases.services import staff_create
from cases.services.team import grant_membership
from consent import evidence, services
from consent.models import Consent

ALL = ["identity", "meetings", "visits", "notes"]

# A real one-page PDF, as a scanner delivers it (the sniffer checks the magic and the end).
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def give(
    actor: Any,
    case: Any,
    *,
    guardian: Any = None,
    agencies: list[str] | None = None,
    parties: list[Any] | None = None,
    categories: list[str] | None = None,
    days: int = 180,
    verified: bool = True,
) -> Consent:
    """A written consent recorded through the service, valid from now for ``days``: to the
    agency kinds ``agencies`` (v1), or the agencies ``parties``, or, with neither, every agency on
    the team. ``verified``: its signed form uploaded by ``actor`` and verified by another
    social-services member of the team (the categories that need it share only then)."""
    now = timezone.now()
    if agencies is None and parties is None:
        parties = list(
            CaseMember.objects.filter(case=case)
            .exclude(user__staff_profile__agency_id=case.owning_agency_id)
            .values_list("user__staff_profile__agency_id", flat=True)
            .distinct()
        ) or list(Agency.objects.exclude(kind=AgencyKind.SOCIAL_SERVICES).values_list("pk", flat=True))
    consent = services.consent_record(
        actor=actor,
        case=case,
        giver="guardian" if guardian is not None else "youth",
        guardian=guardian.pk if guardian is not None else None,
        agencies=agencies or [],
        parties=[getattr(p, "pk", p) for p in parties or []],
        categories=categories or ALL,
        valid_from=now - timedelta(minutes=1),
        valid_until=now + timedelta(days=days),
        method="written",
        document_reference="Pärm 3, flik 12",
    )
    if verified and set(consent.categories) & settings.CONSENT_EVIDENCE_REQUIRED_FOR:
        verify(actor, consent)
    return consent


def verify(actor: Any, consent: Consent) -> None:
    """Upload the signed form as ``actor`` and have another social-services member of the team
    verify it (one is put on the team if there is none)."""
    evidence.evidence_upload(actor=actor, consent=consent, data=PDF)
    case = consent.case
    member = (
        CaseMember.objects.filter(case=case, user__staff_profile__role__in=SOCIAL_SERVICES_ROLES)
        .exclude(user=actor)
        .select_related("user")
        .order_by("user__username")
        .first()
    )
    if member is not None:
        verifier = member.user
    else:
        verifier = get_user_model().objects.filter(username="vera").first() or staff_create(
            username="vera", password="vera verifies forms", role=Role.SOCIAL_WORKER, agency=case.owning_agency
        )
        grant_membership(case=case, user=verifier, role=Role.SOCIAL_WORKER, added_by=actor)
    evidence.evidence_verify(actor=verifier, consent=consent)


def guardian_of(case: Any) -> Guardian:
    return Guardian.objects.get(case=case)
