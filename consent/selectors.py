"""Reads of a case's consent rows, for a case the caller has already opened through the case
selector (``content.access``)."""

from __future__ import annotations

from cases.models import Case
from consent.models import Consent, ConsentWithdrawal


def consents_of_case(*, case: Case) -> list[Consent]:
    """Every consent of the case, newest first, each with ``withdrawal_cached`` (two queries)."""
    consents = list(Consent.objects.filter(case=case).select_related("recorded_by"))
    withdrawals = {w.consent_id: w for w in ConsentWithdrawal.objects.filter(consent__case=case)}
    for consent in consents:
        consent.case = case  # the caller's case: its key is loaded already
        consent.withdrawal_cached = withdrawals.get(consent.pk)
        if consent.withdrawal_cached is not None:
            consent.withdrawal_cached.consent = consent
    return consents
