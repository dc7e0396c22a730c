"""Consents recorded through the service, and a case's one guardian, for the consent tests."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from cases.models import Guardian
from consent import services
from consent.models import Consent

ALL = ["identity", "meetings", "visits", "notes"]


def give(
    actor: Any,
    case: Any,
    *,
    guardian: Any = None,
    agencies: list[str] | None = None,
    categories: list[str] | None = None,
    days: int = 180,
) -> Consent:
    """A consent recorded through the service, valid from now for ``days``."""
    now = timezone.now()
    return services.consent_record(
        actor=actor,
        case=case,
        giver="guardian" if guardian is not None else "youth",
        guardian=guardian.pk if guardian is not None else None,
        agencies=agencies or ["police", "school", "leisure"],
        categories=categories or ALL,
        valid_from=now - timedelta(minutes=1),
        valid_until=now + timedelta(days=days),
        method="written",
        document_reference="Pärm 3, flik 12",
    )


def guardian_of(case: Any) -> Guardian:
    return Guardian.objects.get(case=case)
