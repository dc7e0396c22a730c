"""The one policy that answers "may this reader see category C of case X now, and whose
information may they see?" (OSL 12 kap. 2 §: consent lifts secrecy; docs/access-control.md).

A consent names its **parties** (agencies), the categories and the period. The case's own social
services are a party to every consent (they record it and hold the case). What is shared:

- Social services on the team see every category of the case's own content (the case record
  they keep: the youth, the summary, meetings, visits, their own notes) on no consent.
- Another agency sees a category of that content only while every required giver has an active
  consent naming that agency as a party for the category.
- Content another agency wrote (its notes, its own notes on a visit, police links) is its own
  information: shown to a third agency, social services included, only while every required
  giver has an active consent naming **both** agencies as parties for the category. The
  writing agency always sees its own.

Required givers (Kunskapsguiden, "Samtycke"; SSPF practice):

- under CONSENT_YOUTH_AGE (15): every custodian registered on the case; with ``joint`` custody
  two custodians must be registered (else nothing is shared); with no custodian registered
  nothing is shared, whatever the youth signed;
- from 15: every custodian and the youth;
- from CONSENT_ADULT_AGE (18): the youth alone (guardians' consent no longer counts).

A guardian who is not a custodian gives no consent that counts. A consent counts for a category
in CONSENT_EVIDENCE_REQUIRED_FOR (default ``notes``, ``visits``) only once its signed form has
been uploaded and verified by a second social-services member (consent.evidence).

A consent is active from ``valid_from`` until ``valid_until`` unless withdrawn before. The answer
is computed from the rows at every request: a withdrawal, an expiry, a verified scan, a birthday
that adds or removes a required giver, a custodian registered, all take effect on the next
request with no job to run.

This module is the only place that answers the question: the content selectors ask it, none
decides on its own.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.conf import settings
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from cases import personnummer
from cases.models import SOCIAL_SERVICES_ROLES, Case, Custody, Guardian, StaffProfile
from consent.models import Consent, ConsentEvidence, ConsentWithdrawal

IDENTITY = "identity"
MEETINGS = "meetings"
VISITS = "visits"
NOTES = "notes"
CATEGORIES: frozenset[str] = frozenset({IDENTITY, MEETINGS, VISITS, NOTES})
NOTHING: frozenset[str] = frozenset()
MSG_UNKNOWN_CATEGORY = _("An unknown category: choose among identity, meetings, visits and notes.")

Giver = tuple[str, UUID | None]  # ("guardian", guardian id) or ("youth", None)
YOUTH: Giver = ("youth", None)
Sharing = dict[str, frozenset[UUID]]  # category → the consents it rests on (disclosure register)

# Why a consent is pending: a code for clients, a sentence for people (API.md, "pending_reason").
PENDING_REASONS = {
    "not_started": _("The consent starts on {date}."),
    "no_custodian": _("No custodian is registered: nothing is shared for a child without a custodian's consent."),
    "second_custodian_missing": _("Custody is joint but the second custodian is not registered."),
    "custodian_consent_missing": _("A custodian's consent to the same is missing."),
    "youth_consent_missing": _("The youth's own consent is missing (required from age {age})."),
    "youth_under_age": _("The youth's own consent counts only from age {age}; the custodians consent for now."),
    "youth_adult": _("The youth is {age} or older: only the youth's own consent counts."),
    "not_custodian": _("This guardian is not a custodian: their consent does not count."),
    "evidence_unverified": _("The signed form has not been uploaded and verified by a second social worker."),
    "no_party": _("The consent names no agency besides social services."),
}


@dataclass(frozen=True)
class Givers:
    """Who must have consented for anything to be shared; ``blocked`` names why nothing can be."""

    required: frozenset[Giver]
    blocked: str | None = None


def required_givers(*, case: Case, custodian_ids: Iterable[UUID], at: datetime) -> Givers:
    """Who must have consented for anything of ``case`` to be shared at ``at``."""
    age = personnummer.age_on(case.youth.personal_number, timezone.localdate(at))
    if age >= settings.CONSENT_ADULT_AGE:
        return Givers(frozenset({YOUTH}))
    custodians = frozenset(custodian_ids)
    if not custodians:
        return Givers(frozenset(), blocked="no_custodian")
    if case.custody == Custody.JOINT and len(custodians) < 2:
        return Givers(frozenset(), blocked="second_custodian_missing")
    givers: set[Giver] = {("guardian", gid) for gid in custodians}
    if age >= settings.CONSENT_YOUTH_AGE:
        givers.add(YOUTH)
    return Givers(frozenset(givers))


def consent_is_active(consent: Consent, at: datetime) -> bool:
    """Valid at ``at`` and not withdrawn by then."""
    withdrawal = getattr(consent, "withdrawal_cached", None)
    if withdrawal is not None and withdrawal.withdrawn_at <= at:
        return False
    return consent.valid_from <= at < consent.valid_until


def counts_for(consent: Consent, category: str) -> bool:
    """Whether ``consent`` can lift secrecy for ``category``: for the categories that need the
    signed form (CONSENT_EVIDENCE_REQUIRED_FOR), only once it is verified."""
    return category not in settings.CONSENT_EVIDENCE_REQUIRED_FOR or consent.evidence_verified_cached


@dataclass(frozen=True, eq=False)
class CaseConsents:
    """A case's consents (with withdrawals, parties and evidence) and custodians, as loaded once
    for a request; asked at any moment ``at``."""

    case: Case
    consents: list[Consent]
    custodian_ids: list[UUID]

    def givers(self, at: datetime) -> Givers:
        return required_givers(case=self.case, custodian_ids=self.custodian_ids, at=at)

    def sharing(self, parties: frozenset[UUID], at: datetime) -> Sharing:
        """Each category that every required giver, in an active consent naming every one of
        ``parties``, has agreed to share at ``at``, with the consents it rests on."""
        required = self.givers(at).required
        if not required:
            return {}
        by_giver: dict[Giver, dict[str, set[UUID]]] = defaultdict(lambda: defaultdict(set))
        for consent in self.consents:
            if parties <= consent.party_ids_cached and consent_is_active(consent, at):
                giver = (consent.giver, consent.guardian_id)
                for category in consent.categories:
                    if counts_for(consent, category):
                        by_giver[giver][category].add(consent.pk)
        result: Sharing = {}
        for category in CATEGORIES:
            if all(category in by_giver.get(giver, {}) for giver in required):
                result[category] = frozenset(cid for giver in required for cid in by_giver[giver][category])
        return result

    def other_parties(self, consent: Consent) -> frozenset[UUID]:
        return consent.party_ids_cached - {self.case.owning_agency_id}


def load_consent_state(case_ids: list[UUID]) -> dict[UUID, tuple[list[Consent], list[UUID]]]:
    """Consents (with withdrawals, parties and verified evidence) and custodians of the given
    cases, whose youth must be loaded on them by the caller: at most five queries."""
    consents: dict[UUID, list[Consent]] = defaultdict(list)
    rows = list(
        Consent.objects.filter(case_id__in=case_ids).only(
            "id", "case_id", "giver", "guardian_id", "categories", "valid_from", "valid_until"
        )
    )
    withdrawals: dict[UUID, ConsentWithdrawal] = {}
    parties: dict[UUID, set[UUID]] = defaultdict(set)
    verified: set[UUID] = set()
    if rows:
        withdrawals = {
            w.consent_id: w
            for w in ConsentWithdrawal.objects.filter(consent__case_id__in=case_ids).only("consent_id", "withdrawn_at")
        }
        through = Consent.parties.through.objects.filter(consent__case_id__in=case_ids)
        for consent_id, agency_id in through.values_list("consent_id", "agency_id"):
            parties[consent_id].add(agency_id)
        verified = set(
            ConsentEvidence.objects.filter(case_id__in=case_ids, verified_at__isnull=False).values_list(
                "consent_id", flat=True
            )
        )
    for consent in rows:
        consent.withdrawal_cached = withdrawals.get(consent.pk)
        consent.party_ids_cached = frozenset(parties[consent.pk])
        consent.evidence_verified_cached = consent.pk in verified
        consents[consent.case_id].append(consent)
    custodians: dict[UUID, list[UUID]] = defaultdict(list)
    for case_id, guardian_id in Guardian.objects.filter(case_id__in=case_ids, custodian=True).values_list(
        "case_id", "id"
    ):
        custodians[case_id].append(guardian_id)
    return {case_id: (consents[case_id], custodians[case_id]) for case_id in case_ids}


def case_consents(cases: Iterable[Case]) -> dict[UUID, CaseConsents]:
    """The consent state of each of ``cases`` (youth loaded on each): at most five queries."""
    cases = list(cases)
    loaded = load_consent_state([case.pk for case in cases])
    return {case.pk: CaseConsents(case, *loaded[case.pk]) for case in cases}


def holds_case(profile: StaffProfile, case: Case) -> bool:
    """Social services of the authority that holds ``case``: they keep its record and see all of
    its own content on no consent. Another authority's social services are a third party like
    any other agency (only they can join a team by an old membership: the team rule stops new
    ones, cases.services.team)."""
    return profile.role in SOCIAL_SERVICES_ROLES and profile.agency_id == case.owning_agency_id


def reader_sharing(*, profile: StaffProfile, case: Case, state: CaseConsents | None, at: datetime) -> Sharing:
    """What ``profile`` may see of the case's own content (the record social services keep).
    The social services that hold the case see every category on no consent (empty sets)."""
    if holds_case(profile, case):
        return dict.fromkeys(CATEGORIES, frozenset())
    if profile.agency_id is None or state is None:
        return {}
    return state.sharing(frozenset({profile.agency_id}), at)


def author_sharing(*, profile: StaffProfile, state: CaseConsents, author_agency_id: UUID, at: datetime) -> Sharing:
    """What ``profile`` may see of what the agency ``author_agency_id`` wrote on the case: all of
    its own agency's; the case's own social services' as ``reader_sharing``; another agency's
    only under consents naming both agencies as parties."""
    if author_agency_id == profile.agency_id:
        return dict.fromkeys(CATEGORIES, frozenset())
    if author_agency_id == state.case.owning_agency_id:
        return reader_sharing(profile=profile, case=state.case, state=state, at=at)
    if profile.agency_id is None:
        return {}
    return state.sharing(frozenset({author_agency_id, profile.agency_id}), at)


def sharing_for_cases(
    *, profile: StaffProfile, cases: Iterable[Case], at: datetime | None = None
) -> dict[UUID, Sharing]:
    """What ``profile`` may see of each of ``cases``' own content (cases already on its team, or
    opened by emergency access): each category with the consents it rests on. A whole page at
    once: at most five queries, none for the social services that hold the cases."""
    cases = list(cases)
    at = at or timezone.now()
    needs = [case for case in cases if not holds_case(profile, case)] if profile.agency_id is not None else []
    states = case_consents(needs) if needs else {}
    return {case.pk: reader_sharing(profile=profile, case=case, state=states.get(case.pk), at=at) for case in cases}


def categories_for_cases(
    *, profile: StaffProfile, cases: Iterable[Case], at: datetime | None = None
) -> dict[UUID, frozenset[str]]:
    """Categories ``profile`` may see on each of ``cases`` (see ``sharing_for_cases``)."""
    return {pk: frozenset(basis) for pk, basis in sharing_for_cases(profile=profile, cases=cases, at=at).items()}


def categories_for_case(*, profile: StaffProfile, case: Case, at: datetime | None = None) -> frozenset[str]:
    return categories_for_cases(profile=profile, cases=[case], at=at)[case.pk]


def agency_shares(*, case: Case, agency_id: UUID, at: datetime | None = None) -> frozenset[str]:
    """What the agency ``agency_id`` may see of ``case``'s own content now, whoever asks."""
    state = case_consents([case])[case.pk]
    return frozenset(state.sharing(frozenset({agency_id}), at or timezone.now()))


@dataclass(frozen=True)
class ConsentStatus:
    status: str  # active | pending | expired | withdrawn
    reason: str | None = None  # a PENDING_REASONS code when pending
    message: str | None = None


def _pending(code: str, **params: object) -> ConsentStatus:
    return ConsentStatus("pending", code, str(PENDING_REASONS[code]).format(**params))


def _why_pending(state: CaseConsents, consent: Consent, at: datetime) -> ConsentStatus:
    """Why an unexpired, unwithdrawn consent shares nothing now, or ``active`` if it does."""
    if consent.valid_from > at:
        return _pending("not_started", date=formats.date_format(timezone.localdate(consent.valid_from), "Y-m-d"))
    givers = state.givers(at)
    giver: Giver = (consent.giver, consent.guardian_id)
    adult = settings.CONSENT_ADULT_AGE
    if givers.required == {YOUTH} and giver != YOUTH:
        return _pending("youth_adult", age=adult)
    if givers.blocked:
        return _pending(givers.blocked)
    if giver not in givers.required:
        if giver == YOUTH:
            return _pending("youth_under_age", age=settings.CONSENT_YOUTH_AGE)
        return _pending("not_custodian")
    parties = state.other_parties(consent)
    if not parties:
        return _pending("no_party")
    for party in parties:
        shared = state.sharing(frozenset({party}), at)
        if any(consent.pk in shared.get(category, ()) for category in consent.categories):
            return ConsentStatus("active")
    if not any(counts_for(consent, category) for category in consent.categories):
        return _pending("evidence_unverified")
    # Another required giver has not agreed to the same: name the youth first (it is the one
    # thing a worker can ask about at the next meeting), then the custodians.
    others = [g for g in givers.required if g != giver]
    wanted = {
        (party, category) for party in parties for category in consent.categories if counts_for(consent, category)
    }

    def consented(other: Giver) -> bool:
        """Whether ``other`` has an active consent to the same, its signed form verified or not."""
        return any(
            (c.giver, c.guardian_id) == other
            and consent_is_active(c, at)
            and any(party in c.party_ids_cached and category in c.categories for party, category in wanted)
            for c in state.consents
        )

    if YOUTH in others and not consented(YOUTH):
        return _pending("youth_consent_missing", age=settings.CONSENT_YOUTH_AGE)
    if all(consented(other) for other in others):
        # Everyone consented to the same; another giver's signed form is what is missing.
        return _pending("evidence_unverified")
    return _pending("custodian_consent_missing")


def consent_statuses(*, case: Case, at: datetime | None = None) -> dict[UUID, ConsentStatus]:
    """Each consent's status now: ``withdrawn``, ``expired``, ``pending`` with the reason (not
    started, its giver's consent does not count, a custodian missing, another required giver has
    not agreed to the same, the signed form not verified), or ``active`` (part of what is shared)."""
    at = at or timezone.now()
    state = case_consents([case])[case.pk]
    statuses: dict[UUID, ConsentStatus] = {}
    for consent in state.consents:
        withdrawal = getattr(consent, "withdrawal_cached", None)
        if withdrawal is not None and withdrawal.withdrawn_at <= at:
            statuses[consent.pk] = ConsentStatus("withdrawn")
        elif consent.valid_until <= at:
            statuses[consent.pk] = ConsentStatus("expired")
        else:
            statuses[consent.pk] = _why_pending(state, consent, at)
    return statuses


def custody_unconfirmed(case: Case) -> bool:
    return case.custody == Custody.UNKNOWN
