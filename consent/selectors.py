"""Reads of a case's consent rows, for a case the caller has already opened through the case
selector (``content.access``)."""

from __future__ import annotations

from django.db.models import Prefetch

from cases.models import Agency, Case
from consent.models import Consent, ConsentEvidence, ConsentWithdrawal


def consents_of_case(*, case: Case) -> list[Consent]:
    """Every consent of the case, newest first, each with ``withdrawal_cached``, its parties and
    its evidence's metadata (never the file): four queries."""
    evidence = ConsentEvidence.objects.defer("sealed").select_related("uploaded_by", "verified_by")
    consents = list(
        Consent.objects.filter(case=case)
        .select_related("recorded_by")
        .prefetch_related(Prefetch("parties", queryset=Agency.objects.order_by("name")))
    )
    withdrawals = {w.consent_id: w for w in ConsentWithdrawal.objects.filter(consent__case=case)}
    evidences = {e.consent_id: e for e in evidence.filter(case=case)}
    for consent in consents:
        consent.case = case  # the caller's case: its key is loaded already
        consent.withdrawal_cached = withdrawals.get(consent.pk)
        if consent.withdrawal_cached is not None:
            consent.withdrawal_cached.consent = consent
        consent.evidence_cached = evidences.get(consent.pk)
    return consents
