"""Reads of consent rows, always through the case selector."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.http import Http404

from cases.models import Case
from cases.selectors import case_queryset_for_user
from consent.models import Consent, ConsentWithdrawal


def consents_of_case(*, case: Case) -> list[Consent]:
    """Every consent of the case, newest first, each with ``withdrawal_cached`` (two queries)."""
    consents = list(Consent.objects.filter(case=case).select_related("recorded_by"))
    withdrawals = {w.consent_id: w for w in ConsentWithdrawal.objects.filter(consent__case=case)}
    for consent in consents:
        consent.case = case  # the caller's case: its key is loaded already
        consent.withdrawal_cached = withdrawals.get(consent.pk)  # type: ignore[attr-defined]
        if consent.withdrawal_cached is not None:  # type: ignore[attr-defined]
            consent.withdrawal_cached.consent = consent  # type: ignore[attr-defined]
    return consents


def consent_get_for_user(*, user: AbstractBaseUser | AnonymousUser, consent_id: UUID | str) -> Consent:
    """A consent on a case the user may open; 404 otherwise (existence is not revealed)."""
    try:
        consent: Any = (
            Consent.objects.filter(case__in=case_queryset_for_user(user))
            .select_related("case__key", "case__youth")
            .get(pk=consent_id)
        )
    except (Consent.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    return consent
