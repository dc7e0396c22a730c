"""The one policy that answers "may this team member see category C of case X now?".

Social services on the team see every category of their cases. Every other agency sees a
category only while a valid consent shares it with that agency (OSL 12 kap. 2 §), given by every
required giver:

- under CONSENT_YOUTH_AGE (15): every guardian registered on the case;
- from 15: every guardian and the youth;
- from CONSENT_ADULT_AGE (18): the youth alone (guardians' consent no longer counts).

A consent is active from ``valid_from`` until ``valid_until`` unless withdrawn before. The answer
is computed from the rows at every request: a withdrawal or an expiry, and a birthday that adds
or removes a required giver, take effect on the next request with no job to run. A case with no
required giver (no guardian registered, youth under 15) shares nothing.

This module is the only place that answers the question: the case selector and every view ask
it, none decides on its own.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases import personnummer
from cases.models import SOCIAL_SERVICES_ROLES, Case, Guardian, StaffProfile
from consent.models import Consent, ConsentWithdrawal

IDENTITY = "identity"
MEETINGS = "meetings"
VISITS = "visits"
NOTES = "notes"
CATEGORIES: frozenset[str] = frozenset({IDENTITY, MEETINGS, VISITS, NOTES})
NOTHING: frozenset[str] = frozenset()
MSG_UNKNOWN_CATEGORY = _("Unknown category: {value}. Choose among identity, meetings, visits and notes.")

Giver = tuple[str, UUID | None]  # ("guardian", guardian id) or ("youth", None)


def required_givers(*, case: Case, guardian_ids: Iterable[UUID], at: datetime) -> frozenset[Giver]:
    """Who must have consented for anything of ``case`` to be shared at ``at``."""
    age = personnummer.age_on(case.youth.personal_number, timezone.localdate(at))
    if age >= settings.CONSENT_ADULT_AGE:
        return frozenset({("youth", None)})
    givers: set[Giver] = {("guardian", gid) for gid in guardian_ids}
    if age >= settings.CONSENT_YOUTH_AGE:
        givers.add(("youth", None))
    return frozenset(givers)


def consent_is_active(consent: Consent, at: datetime) -> bool:
    """Valid at ``at`` and not withdrawn by then."""
    withdrawal = getattr(consent, "withdrawal_cached", None)
    if withdrawal is not None and withdrawal.withdrawn_at <= at:
        return False
    return consent.valid_from <= at < consent.valid_until


def sharing(
    *, case: Case, agency: str, consents: Iterable[Consent], guardian_ids: Iterable[UUID], at: datetime
) -> dict[str, frozenset[UUID]]:
    """Each category of ``case`` that ``agency`` (a kind) may see at ``at``, with the consents it
    rests on (for the disclosure register)."""
    required = required_givers(case=case, guardian_ids=guardian_ids, at=at)
    if not required:
        return {}
    by_giver: dict[Giver, dict[str, set[UUID]]] = defaultdict(lambda: defaultdict(set))
    for consent in consents:
        if agency in consent.agencies and consent_is_active(consent, at):
            giver = (consent.giver, consent.guardian_id)
            for category in consent.categories:
                by_giver[giver][category].add(consent.pk)
    result: dict[str, frozenset[UUID]] = {}
    for category in CATEGORIES:
        if all(category in by_giver.get(giver, {}) for giver in required):
            result[category] = frozenset(cid for giver in required for cid in by_giver[giver][category])
    return result


def shared_categories(
    *, case: Case, agency: str, consents: Iterable[Consent], guardian_ids: Iterable[UUID], at: datetime
) -> frozenset[str]:
    """The categories of ``case`` that ``agency`` (a kind) may see at ``at``, given its consents."""
    return frozenset(sharing(case=case, agency=agency, consents=consents, guardian_ids=guardian_ids, at=at))


def load_consent_state(case_ids: list[UUID]) -> tuple[dict[UUID, list[Consent]], dict[UUID, list[UUID]]]:
    """Consents (with their withdrawals) and guardian ids of the given cases: at most three queries."""
    consents: dict[UUID, list[Consent]] = defaultdict(list)
    rows = list(
        Consent.objects.filter(case_id__in=case_ids).only(
            "id", "case_id", "giver", "guardian_id", "agencies", "categories", "valid_from", "valid_until"
        )
    )
    withdrawals = (
        {
            w.consent_id: w
            for w in ConsentWithdrawal.objects.filter(consent__case_id__in=case_ids).only("consent_id", "withdrawn_at")
        }
        if rows
        else {}
    )
    for consent in rows:
        consent.withdrawal_cached = withdrawals.get(consent.pk)
        consents[consent.case_id].append(consent)
    guardians: dict[UUID, list[UUID]] = defaultdict(list)
    for case_id, guardian_id in Guardian.objects.filter(case_id__in=case_ids).values_list("case_id", "id"):
        guardians[case_id].append(guardian_id)
    return consents, guardians


Sharing = dict[str, frozenset[UUID]]  # category → the consents it rests on (disclosure register)


def sharing_for_cases(
    *, profile: StaffProfile, cases: Iterable[Case], at: datetime | None = None
) -> dict[UUID, Sharing]:
    """What ``profile`` may see on each of ``cases`` (which must already be on its team, or opened
    by emergency access): each category with the consents it rests on. Social services see every
    category on no consent's strength (empty sets). Takes a whole page at once: at most three
    queries."""
    cases = list(cases)
    if profile.role in SOCIAL_SERVICES_ROLES:
        return {case.pk: dict.fromkeys(CATEGORIES, frozenset()) for case in cases}
    if profile.agency is None or not cases:
        return {case.pk: {} for case in cases}
    at = at or timezone.now()
    consents, guardians = load_consent_state([case.pk for case in cases])
    return {
        case.pk: sharing(
            case=case, agency=profile.agency.kind, consents=consents[case.pk], guardian_ids=guardians[case.pk], at=at
        )
        for case in cases
    }


def categories_for_cases(
    *, profile: StaffProfile, cases: Iterable[Case], at: datetime | None = None
) -> dict[UUID, frozenset[str]]:
    """Categories ``profile`` may see on each of ``cases`` (see ``sharing_for_cases``)."""
    return {pk: frozenset(basis) for pk, basis in sharing_for_cases(profile=profile, cases=cases, at=at).items()}


def categories_for_case(*, profile: StaffProfile, case: Case, at: datetime | None = None) -> frozenset[str]:
    return categories_for_cases(profile=profile, cases=[case], at=at)[case.pk]


def agency_shares(*, case: Case, agency: str, at: datetime | None = None) -> frozenset[str]:
    """What ``agency`` (a kind) may see of ``case`` now, whoever asks (police links, reports)."""
    at = at or timezone.now()
    consents, guardians = load_consent_state([case.pk])
    return shared_categories(
        case=case, agency=agency, consents=consents[case.pk], guardian_ids=guardians[case.pk], at=at
    )


def consent_statuses(*, case: Case, at: datetime | None = None) -> dict[UUID, str]:
    """Each consent's status: ``withdrawn``, ``expired``, ``pending`` (not started, its giver's
    consent does not count at the youth's age, or another required giver has not consented to the
    same) or ``active`` (it is part of what is shared)."""
    at = at or timezone.now()
    consents, guardians = load_consent_state([case.pk])
    rows = consents[case.pk]
    shared = {
        agency: shared_categories(case=case, agency=agency, consents=rows, guardian_ids=guardians[case.pk], at=at)
        for agency in {a for c in rows for a in c.agencies}
    }
    required = required_givers(case=case, guardian_ids=guardians[case.pk], at=at)
    statuses: dict[UUID, str] = {}
    for consent in rows:
        withdrawal = getattr(consent, "withdrawal_cached", None)
        if withdrawal is not None and withdrawal.withdrawn_at <= at:
            statuses[consent.pk] = "withdrawn"
        elif consent.valid_until <= at:
            statuses[consent.pk] = "expired"
        elif (
            (consent.giver, consent.guardian_id) not in required
            or consent.valid_from > at
            or not any(set(consent.categories) & shared[agency] for agency in consent.agencies)
        ):
            statuses[consent.pk] = "pending"
        else:
            statuses[consent.pk] = "active"
    return statuses
