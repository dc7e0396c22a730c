"""Coordinators' consent report: what expires soon, and where a birthday stopped sharing."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from cases import personnummer
from cases.models import Agency, Case
from consent.policy import case_consents


def _birthday(born: date, years: int) -> date:
    """The day someone born on ``born`` turns ``years`` (1 March for 29 February in common years)."""
    try:
        return born.replace(year=born.year + years)
    except ValueError:
        return date(born.year + years, 3, 1)


def consent_report(*, cases: list[Case], now: datetime, horizon: timedelta) -> dict[str, list[dict[str, Any]]]:
    """Consents expiring within ``horizon`` and sharing stopped by an age change within the last
    ``horizon``, for ``cases`` (each with its key and youth loaded), per named party. At most six
    queries."""
    states = case_consents(cases)
    kinds = dict(Agency.objects.values_list("id", "kind"))
    expiring: list[dict[str, Any]] = []
    stopped: list[dict[str, Any]] = []
    for case in cases:
        state = states[case.pk]
        for consent in state.consents:
            withdrawal = getattr(consent, "withdrawal_cached", None)
            if withdrawal is None and now < consent.valid_until <= now + horizon:
                expiring.append(
                    {
                        "case": str(case.pk),
                        "number": case.number,
                        "consent": str(consent.pk),
                        "valid_until": consent.valid_until.isoformat(),
                    }
                )
        born = personnummer.birth_date(case.youth.personal_number)
        parties = sorted({p for c in state.consents for p in state.other_parties(c)}, key=str)
        for age in (settings.CONSENT_YOUTH_AGE, settings.CONSENT_ADULT_AGE):
            day = _birthday(born, age)
            start = timezone.make_aware(datetime.combine(day, time.min))
            if not now - horizon <= start <= now:
                continue
            for party in parties:
                before = state.sharing(frozenset({party}), start - timedelta(microseconds=1))
                lost = set(before) - set(state.sharing(frozenset({party}), now))
                if lost:
                    stopped.append(
                        {
                            "case": str(case.pk),
                            "number": case.number,
                            "agency": kinds.get(party),
                            "agency_id": str(party),
                            "categories": sorted(lost),
                            "age": age,
                            "since": day.isoformat(),
                        }
                    )
    return {"expiring": expiring, "stopped_by_age": stopped}
