"""The authorization matrix: every API route × every role × every consent state × category.

Routes are discovered from the URL configuration; a route (or method) without an entry in
RULES fails the test, so nothing new ships unexamined. The cast is the fixed one plus a social
worker inside the case by emergency access (erik), a police officer on the team who did not
take part in the visit (pelle) and a teacher of another school on the team (sven: the same kind
of agency as sara's, never a named party). The states add named parties (a consent naming the
police and sara's school together), custody (joint with one custodian registered; no custodian
for a 16-year-old who consented; an 18-year-old whose guardian consented), an unverified signed
form, and a youth with protected identity. Content is written by social services and by the
police (a police note: the police's own information). For each cell the test checks the status
code, that no marker of a category the caller may not see appears in the body (nor the police
note outside a consent naming both agencies, nor a protected address outside social services),
and that every category whose marker does appear was recorded in the audit log by that same
request. Every request runs in a savepoint
that is rolled back, so the cells do not disturb each other. The number of cells checked is
printed at the end of the run (tests/conftest.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from audit.models import AuditEntry, AuditEvent
from audit.services import record
from cases import services as case_services
from cases.crypto import blind_index
from cases.models import (
    PNR_INDEX_PURPOSE,
    SOCIAL_SERVICES_ROLES,
    Agency,
    AgencyKind,
    Case,
    Custody,
    Guardian,
    HomeVisit,
    Role,
    VisitNote,
)
from cases.personnummer import normalize
from cases.querysets import bulk_writes_allowed
from consent import evidence as evidence_services
from consent import services as consent_services
from consent.models import Consent, ConsentEvidence
from consent.policy import CATEGORIES, IDENTITY, MEETINGS, NOTES, VISITS
from oversight.log_reviews import review_start
from referrals import services as referral_services
from tests.conftest import PASSWORD, YOUTH, established
from tests.consent.helpers import PDF, give
from tests.factories import personal_number_for_age

SS_VISIT_NOTE = "MARKER-SOCIAL-SERVICES-VISIT-NOTE"
POLICE_NOTE = "MARKER-POLICE-OWN-NOTE"
POLICE_VISIT_NOTE = "MARKER-POLICE-OWN-VISIT-NOTE"
MARKERS = {
    IDENTITY: YOUTH["family_name"],
    NOTES: "MARKER-NOTE-TEXT",
    VISITS: "MARKER-VISIT-BASIS",
    MEETINGS: "MARKER-MEETING-NOTES",
}


@dataclass(frozen=True)
class Who:
    name: str
    role: str | None  # None: anonymous
    agency: str | None
    member: bool
    shared: frozenset[str]  # categories shared with the caller's agency on the case
    consent: str  # state of the withdraw target: "none" | "open" | "withdrawn"
    evidence: str = "none"  # the target's signed form: "none" | "uploaded" (by alice) | "verified"
    emergency: bool = False  # inside the case by a running emergency access, not on the team
    participant: bool = False  # took part in the case's home visit

    @property
    def opens(self) -> bool:
        """May open the case at all (the selector's answer): on the team, or by emergency access."""
        return self.member or self.emergency

    @property
    def ss(self) -> bool:
        return self.role in SOCIAL_SERVICES_ROLES

    @property
    def anon(self) -> bool:
        return self.role is None


def member_rule(ss: int, other_member: int) -> Callable[[Who], int]:
    """401 anonymous, 404 outsiders, ``ss`` for social services members, else ``other_member``."""

    def rule(who: Who) -> int:
        if who.anon:
            return 401
        if not who.opens:
            return 404
        return ss if who.ss else other_member

    return rule


def consent_gated(category: str | None, ss: int = 200, police_always: bool = False) -> Callable[[Who], int]:
    def rule(who: Who) -> int:
        if who.anon:
            return 401
        if not who.opens:
            return 404
        if who.ss:
            return ss
        if police_always and who.role == Role.POLICE:
            return 200  # the visits they took part in (maybe none)
        allowed = who.shared if category is None else who.shared & {category}
        return 200 if allowed else 403

    return rule


def authenticated(ok: int, roles: set[str] | None = None) -> Callable[[Who], int]:
    def rule(who: Who) -> int:
        if who.anon:
            return 401
        return ok if roles is None or who.role in roles else 403

    return rule


def anyone(status: int) -> Callable[[Who], int]:
    return lambda who: status


def police_link_post(who: Who) -> int:
    if who.anon:
        return 401
    if not who.opens:
        return 404
    if who.role != Role.POLICE:
        return 403
    return 201 if who.shared else 403


def police_link_get(who: Who) -> int:
    if who.anon:
        return 401
    if not who.opens:
        return 404
    if who.ss:
        return 200
    return (200 if who.shared else 403) if who.role == Role.POLICE else 403


def team_manager(ok: int) -> Callable[[Who], int]:
    def rule(who: Who) -> int:
        if who.anon:
            return 401
        if not who.opens:
            return 404
        # On the team itself: emergency access never turns into managing the team.
        return ok if who.name in {"alice", "carl"} else 403

    return rule


def team_coordinator(ok: int) -> Callable[[Who], int]:
    def rule(who: Who) -> int:
        if who.anon:
            return 401
        if not who.opens:
            return 404
        return ok if who.role == Role.COORDINATOR and who.member else 403

    return rule


def emergency(who: Who) -> int:
    if who.anon:
        return 401
    if not who.ss:
        return 404
    return 409 if who.opens else 201  # on the team, or an emergency access still running


def evidence_upload(who: Who) -> int:
    if who.anon:
        return 401
    if not who.opens or who.consent == "none":
        return 404
    if not who.ss or not who.member:
        return 403  # social services on the team: emergency access does not widen sharing
    return 409 if who.evidence == "verified" else 201


def evidence_read(who: Who) -> int:
    if who.anon:
        return 401
    if not who.opens or who.consent == "none":
        return 404
    if not who.ss or not who.member:
        return 403  # social services on the team only: not by emergency access
    return 200 if who.evidence != "none" else 404


def evidence_verify(who: Who) -> int:
    if who.anon:
        return 401
    if not who.opens or who.consent == "none":
        return 404
    if not who.ss or not who.member:
        return 403
    if who.evidence != "uploaded":
        return 409  # nothing to verify, or verified already
    return 403 if who.name == "alice" else 200  # four eyes: alice uploaded it


def withdraw(who: Who) -> int:
    if who.anon:
        return 401
    if not who.opens or who.consent == "none":
        return 404
    if not who.ss:
        return 403
    return 409 if who.consent == "withdrawn" else 200


# (url name, method) → expected status. A new route or method must be added here.
RULES: dict[tuple[str, str], Callable[[Who], int]] = {
    ("healthz", "get"): anyone(200),
    ("schema", "get"): anyone(200),
    ("docs", "get"): anyone(200),
    ("redoc", "get"): anyone(200),
    ("auth-login", "post"): anyone(400),  # empty body
    ("auth-logout", "post"): authenticated(204),
    ("auth-enrol", "post"): anyone(400),  # empty body
    ("auth-enrol-confirm", "post"): anyone(400),
    # carl, the coordinator of erik's agency, approves erik (a new account) for emergency access.
    ("staff-emergency-approval", "post"): authenticated(201, {Role.COORDINATOR}),
    ("case-list", "get"): authenticated(200),
    ("case-list", "post"): authenticated(201, set(SOCIAL_SERVICES_ROLES)),
    ("case-detail", "get"): consent_gated(None),
    ("case-detail", "patch"): member_rule(200, 403),
    # A coordinator closes at once; the owning social worker's closure waits for a coordinator.
    ("case-close", "post"): lambda who: team_manager(200 if who.role == Role.COORDINATOR else 202)(who),
    # A coordinator on the team decides closures and reopens: nothing is pending and the case is
    # open in the matrix, so the permitted get 409.
    ("case-close-approve", "post"): team_coordinator(409),
    ("case-close-reject", "post"): team_coordinator(409),
    ("case-reopen", "post"): team_coordinator(409),
    ("case-meeting-action-done", "post"): member_rule(200, 403),
    ("case-member-add", "post"): team_manager(201),
    ("case-member-remove", "delete"): team_manager(204),
    ("case-guardian-add", "post"): member_rule(201, 403),
    ("case-visits", "get"): consent_gated(VISITS, police_always=True),
    # Visits are Linköpingsmodellen's: on this SSPF case a permitted caller's visit is a 400 (track).
    ("case-visits", "post"): lambda who: member_rule(400, 400 if who.role == Role.POLICE else 403)(who),
    ("case-meetings", "get"): consent_gated(MEETINGS),
    ("case-meetings", "post"): member_rule(201, 403),
    ("case-notes", "get"): member_rule(200, 200),
    ("case-notes", "post"): member_rule(201, 201),
    ("case-police-links", "get"): police_link_get,
    ("case-police-links", "post"): police_link_post,
    ("case-consents", "get"): member_rule(200, 403),
    ("case-consents", "post"): member_rule(201, 403),
    ("case-emergency-access", "post"): emergency,
    ("consent-withdraw", "post"): withdraw,
    ("consent-evidence", "post"): evidence_upload,
    ("consent-evidence", "get"): evidence_read,
    ("consent-verify", "post"): evidence_verify,
    ("agency-list", "get"): authenticated(200),
    ("reminders", "get"): authenticated(200),  # each caller's own: ids and dates only
    # The matrix freezes the current year, which is not over: 400 for the coordinators who may.
    ("stats-freeze", "post"): authenticated(400, {Role.COORDINATOR}),
    # Referrals (sara filed the one in the URLs): every staff role files and lists (its own, or the
    # queue for social services); social services read and decide any referral; its reporter reads
    # its status but may not decide; anyone else gets 404 (existence is not revealed).
    ("referral-list", "get"): authenticated(200, {*SOCIAL_SERVICES_ROLES, Role.POLICE, Role.SCHOOL, Role.LEISURE}),
    ("referral-list", "post"): authenticated(201, {*SOCIAL_SERVICES_ROLES, Role.POLICE, Role.SCHOOL, Role.LEISURE}),
    ("referral-detail", "get"): lambda who: 401 if who.anon else (200 if who.ss or who.name == "sara" else 404),
    ("referral-decide", "post"): lambda who: (
        401 if who.anon else (200 if who.ss else (403 if who.name == "sara" else 404))
    ),
    ("consent-report", "get"): authenticated(200, {Role.COORDINATOR}),
    ("youth-lookup", "post"): authenticated(200, set(SOCIAL_SERVICES_ROLES)),
    # Social services in the case; police only on a visit they took part in.
    ("case-visit-notes", "post"): lambda who: member_rule(
        201, 201 if who.role == Role.POLICE and who.participant else 403
    )(who),
    ("case-disclosures", "get"): member_rule(200, 403),
    ("case-disclosures", "post"): member_rule(201, 403),
    ("disclosure-register", "get"): authenticated(200, {Role.AUDITOR}),
    ("audit-entries", "get"): authenticated(200, {Role.AUDITOR}),
    ("audit-entries-csv", "get"): authenticated(200, {Role.AUDITOR}),
    ("audit-verify", "get"): authenticated(200, {Role.AUDITOR}),
    ("audit-anomalies", "get"): authenticated(200, {Role.AUDITOR}),
    ("stats-summary", "get"): authenticated(200, {Role.AUDITOR, Role.COORDINATOR}),
    ("case-subject-report", "get"): member_rule(200, 403),
    ("case-legal-hold", "post"): lambda who: member_rule(201 if who.role == Role.COORDINATOR else 403, 403)(who),
    ("case-legal-hold", "delete"): lambda who: member_rule(409 if who.role == Role.COORDINATOR else 403, 403)(who),
    ("audit-reviews", "get"): authenticated(200, {Role.AUDITOR}),
    ("audit-reviews", "post"): authenticated(201, {Role.AUDITOR}),
    ("audit-review", "get"): authenticated(200, {Role.AUDITOR}),
    ("audit-review-item", "post"): authenticated(200, {Role.AUDITOR}),
    ("audit-review-sign-off", "post"): authenticated(409, {Role.AUDITOR}),  # an item is still unmarked
}


def api_routes() -> list[tuple[str, str]]:
    found = []
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            continue  # the Django admin (tested in tests/api/test_auth_login.py), not the API
        assert isinstance(entry, URLPattern)
        view_class = getattr(entry.callback, "view_class", None) or getattr(entry.callback, "cls", None)
        if view_class is None:
            methods = ["get"]
        else:
            methods = [m for m in ("get", "post", "put", "patch", "delete") if hasattr(view_class, m)]
        found.extend((entry.name or str(entry.pattern), method) for method in methods)
    return found


def test_every_route_has_an_expectation() -> None:
    missing = sorted(set(api_routes()) - set(RULES))
    assert missing == [], f"routes without an authorization expectation: {missing}"
    assert len(api_routes()) >= 25


STATES = (
    ["none", "pending", "expired", "withdrawn"]
    + [f"active:{agency}:{category}" for agency in ("police", "school", "leisure") for category in sorted(CATEGORIES)]
    # Named parties: the police and sara's school together (sven's school is no party).
    + ["pair:police+school:notes", "pair:police+school:visits"]
    # Nothing is shared: the signed form not verified; joint custody with one custodian
    # registered; a 16-year-old with no custodian registered who consented alone; an
    # 18-year-old whose guardian consented (only the youth's own consent counts).
    + ["unverified:police:notes", "joint-one:police:identity", "no-custodian:police:identity", "adult:police:identity"]
    # The youth has protected identity (skyddade personuppgifter): the address stays with social
    # services even where identity is shared.
    + ["protected:none", "protected:active:police:identity", "protected:active:school:identity"]
)


@pytest.mark.django_db
@pytest.mark.parametrize("state", STATES)
def test_the_matrix(
    state: str,
    case: Any,
    alice: Any,
    carl: Any,
    petra: Any,
    olle: Any,
    audrey: Any,
    adam: Any,
    client_for: Any,
    record_property: Any,
) -> None:
    guardian = Guardian.objects.get(case=case)
    kinds = {agency.kind: agency for agency in Agency.objects.all()}
    # sven: a teacher of another school on the team, before any consent is recorded (a consent
    # naming the kind "school" would include his school; these name sara's school by id).
    other_school = Agency.objects.create(name="Tosteröskolan", kind=AgencyKind.SCHOOL)
    case_services.staff_create(username="sven", password=PASSWORD, role=Role.SCHOOL, agency=other_school)
    case_services.case_member_add(actor=alice, case=case, username="sven")
    shared_with: dict[Any, frozenset[str]] = {}  # agency id → categories of social services' content
    police_shares: dict[Any, frozenset[str]] = {}  # agency id → categories of the police's own content
    target = None
    evidence = "none"
    protected = state.startswith("protected:")
    if protected:
        state = state.removeprefix("protected:")
        youth = case.youth
        youth.protected_identity = True
        youth.save()
    kind_of_state = state.split(":")[0]
    if state == "pending":
        case_services.guardian_add(actor=alice, case=case, data={"name": "Andra vårdnadshavaren"})
        target = give(alice, case, guardian=guardian)
    elif state in ("expired", "withdrawn"):
        target = give(alice, case, guardian=guardian)
        if state == "expired":
            with bulk_writes_allowed():  # time travel for the test
                Consent.objects.filter(pk=target.pk).update(valid_until=timezone.now() - timedelta(seconds=1))
        else:
            consent_services.consent_withdraw(actor=alice, consent=target, reason="Återkallat")
    elif kind_of_state in ("active", "pair"):
        _, names, category = state.split(":")
        parties = [kinds[name] for name in names.split("+")]
        target = give(alice, case, guardian=guardian, parties=parties, categories=[category])
        for party in parties:
            shared_with[party.pk] = frozenset({category})
        # The police's own information: to social services under a consent naming the police,
        # to another agency only under one naming both.
        if kinds["police"] in parties:
            police_shares = {party.pk: frozenset({category}) for party in parties} | {
                case.owning_agency_id: frozenset({category})
            }
    elif kind_of_state == "unverified":
        target = give(alice, case, guardian=guardian, parties=[kinds["police"]], categories=["notes"], verified=False)
        evidence_services.evidence_upload(actor=alice, consent=target, data=PDF)
    elif kind_of_state == "joint-one":
        with bulk_writes_allowed():
            Case.objects.filter(pk=case.pk).update(custody=Custody.JOINT)
        case.refresh_from_db()
        target = give(alice, case, guardian=guardian, parties=[kinds["police"]], categories=["identity"])
    elif kind_of_state in ("no-custodian", "adult"):
        youth = case.youth
        youth.personal_number = normalize(
            personal_number_for_age(16 if kind_of_state == "no-custodian" else 18, serial=321)
        )
        youth.personal_number_index = blind_index(youth.personal_number, purpose=PNR_INDEX_PURPOSE)
        youth.save()
        if kind_of_state == "no-custodian":
            with bulk_writes_allowed():
                Guardian.objects.filter(pk=guardian.pk).update(custodian=False)
            target = give(alice, case, parties=[kinds["police"]], categories=["identity"])
        else:
            target = give(alice, case, guardian=guardian, parties=[kinds["police"]], categories=["identity"])
    if target is not None and ConsentEvidence.objects.filter(consent=target).exists():
        evidence = "verified" if ConsentEvidence.objects.get(consent=target).verified_at else "uploaded"
    # Content in every category, with markers the body check looks for.
    case_services.case_update(actor=alice, case=case, expected_version=1, changes={"summary": MARKERS[NOTES]})
    case_services.note_add(actor=alice, case=case, category="notes", text=MARKERS[NOTES])
    meeting = case_services.meeting_record(
        actor=carl,
        case=case,
        held_at=timezone.now(),
        notes=MARKERS[MEETINGS],
        actions=[{"agency": "school", "responsible": "Mentor", "action": "Närvaro", "responsible_user": "sara"}],
    )
    case_services.note_add(actor=petra, case=case, category="notes", text=POLICE_NOTE)
    # A visit from before visits became Linköpingsmodellen's only (issue 14), as migrated data
    # has it on an SSPF case: written through the ORM, since the service now refuses it.
    visit = HomeVisit.objects.create(
        case=case,
        occurred_at=timezone.now() - timedelta(hours=1),
        present=["youth"],
        basis=MARKERS[VISITS],
        outcome="-",
        created_by=alice,
    )
    visit.participants.add(alice, petra)
    VisitNote.objects.create(
        visit=visit, case=case, agency=alice.staff_profile.agency, author=alice, text=SS_VISIT_NOTE
    )
    case_services.visit_note_add(actor=petra, visit=visit, text=POLICE_VISIT_NOTE)
    case.refresh_from_db()
    version = case.version
    # erik: a social worker inside the case by a running emergency access, not on the team;
    # pelle: a police officer on the team who did not take part in the visit.
    erik = established(
        case_services.staff_create(
            username="erik", password=PASSWORD, role=Role.SOCIAL_WORKER, agency=alice.staff_profile.agency
        )
    )
    consent_services.emergency_access_open(actor=erik, case=case, reason="Akut läge, ingen i teamet nås")
    police = get_user_model().objects.get(username="petra").staff_profile.agency
    case_services.staff_create(username="pelle", password=PASSWORD, role=Role.POLICE, agency=police)
    case_services.case_member_add(actor=alice, case=case, username="pelle")
    # A log check with one sampled access in it, for the review routes.
    record(event=AuditEvent.ACCESS, model=Case, object_pk=str(case.pk), case=case, actor=alice, fields=["identity"])
    now = timezone.now()
    review = review_start(actor=audrey, period_start=now - timedelta(hours=1), period_end=now, sample_size=1)
    item = review.items.first()
    assert item is not None

    users = {u.username: u for u in get_user_model().objects.all()}
    cast: list[tuple[str, Any]] = [
        (name, users[name])
        for name in ("alice", "carl", "petra", "pelle", "sara", "sven", "leo", "olle", "erik", "audrey", "adam")
    ]
    cast.append(("anonymous", None))
    clients = {name: client_for(user) for name, user in cast}

    consent_state = "none" if target is None else ("withdrawn" if state == "withdrawn" else "open")
    urls = {
        "case-detail": reverse("case-detail", kwargs={"case_id": case.pk}),
        "case-visit-notes": reverse("case-visit-notes", kwargs={"case_id": case.pk, "visit_id": visit.pk}),
        "case-meeting-action-done": reverse(
            "case-meeting-action-done",
            kwargs={"case_id": case.pk, "meeting_id": meeting.pk, "action_id": meeting.actions.get().pk},
        ),
        "audit-review": reverse("audit-review", kwargs={"review_id": review.pk}),
        "stats-summary": reverse("stats-summary") + f"?year={timezone.now().year}",
        "stats-freeze": reverse("stats-freeze", kwargs={"year": timezone.now().year}),
        "audit-review-item": reverse("audit-review-item", kwargs={"review_id": review.pk, "item_id": item.pk}),
        "audit-review-sign-off": reverse("audit-review-sign-off", kwargs={"review_id": review.pk}),
    }
    for consent_route in ("consent-withdraw", "consent-evidence", "consent-verify"):
        urls[consent_route] = reverse(
            consent_route, kwargs={"consent_id": target.pk if target else "7f1c6a39-1ad4-4c53-9d8c-4c1b3a6e8c11"}
        )
    bodies: dict[tuple[str, str], dict[str, Any]] = {
        ("case-list", "post"): {
            "track": "sspf",
            "youth": {
                "personal_number": personal_number_for_age(13, serial=777),
                "given_name": "Ny",
                "family_name": "Person",
            },
            "district": "Centrum",
        },
        ("case-detail", "patch"): {"district": "Annat"},
        ("case-close", "post"): {"reason": "Avslut", "outcome": "goal_reached"},
        ("case-close-reject", "post"): {"reason": "Inte ännu"},
        ("case-reopen", "post"): {"reason": "Ny oro"},
        ("case-member-add", "post"): {"username": "olle"},
        ("case-guardian-add", "post"): {"name": "Ny vårdnadshavare"},
        ("case-visits", "post"): {
            "occurred_at": (timezone.now() - timedelta(hours=2)).isoformat(),
            "participants": ["alice", "petra"],
            "present": ["guardian"],
            "basis": "b",
            "notes": "n",
            "outcome": "o",
            "informed_voluntary": True,
        },
        ("case-meetings", "post"): {"held_at": timezone.now().isoformat(), "notes": "m"},
        ("case-notes", "post"): {"text": "ny anteckning"},
        ("case-visit-notes", "post"): {"text": "egen anteckning"},
        ("case-police-links", "post"): {"reference": "5000-K1-26"},
        ("case-legal-hold", "post"): {"reason": "Begäran om allmän handling"},
        ("case-consents", "post"): {
            "giver": "guardian",
            "guardian": str(guardian.pk),
            "agencies": ["police"],
            "categories": ["identity"],
            "valid_from": timezone.now().isoformat(),
            "valid_until": (timezone.now() + timedelta(days=30)).isoformat(),
            "method": "oral",
        },
        ("case-emergency-access", "post"): {"reason": "Akut läge som inte kan vänta"},
        ("consent-withdraw", "post"): {"reason": "Återkallat"},
        ("youth-lookup", "post"): {"personal_number": case.youth.personal_number},
        ("auth-login", "post"): {},
        ("audit-reviews", "post"): {
            "period_start": (timezone.now() - timedelta(days=1)).isoformat(),
            "period_end": timezone.now().isoformat(),
        },
        ("audit-review-item", "post"): {"verdict": "justified"},
        ("audit-review-sign-off", "post"): {"conclusion": "Inga anmärkningar"},
        ("case-disclosures", "post"): {
            "agency": "police",
            "provision": "osl-10-18a",
            "conditions": {"likely_criminal_activity": True, "helps_prevent": True, "not_unsuitable": True},
            "assessment": "Bedömning enligt 18 a §",
            "categories": ["visits"],
        },
    }

    # A referral filed by sara, about someone else (no marker of the case in it).
    referral = referral_services.referral_file(
        actor=users["sara"],
        youth={"personal_number": personal_number_for_age(14, serial=778), "given_name": "Ref", "family_name": "Anm"},
        concern="Oro för frånvaro",
    )
    urls["staff-emergency-approval"] = reverse("staff-emergency-approval", kwargs={"username": "erik"})
    for referral_route in ("referral-detail", "referral-decide"):
        urls[referral_route] = reverse(referral_route, kwargs={"referral_id": referral.pk})
    bodies[("referral-list", "post")] = {
        "youth": {"personal_number": personal_number_for_age(14, serial=779), "given_name": "Ny", "family_name": "Anm"},
        "concern": "Oro",
    }
    bodies[("referral-decide", "post")] = {"decision": "no_action", "reason": "Ingen åtgärd"}
    if kind_of_state == "no-custodian":  # the guardian is no custodian: the youth consents
        bodies[("case-consents", "post")] |= {"giver": "youth", "guardian": None}
    failures = []
    checked = 0
    for name, method in api_routes():
        url = urls.get(name) or _url(name, case)
        for who_name, user in cast:
            profile = getattr(user, "staff_profile", None) if user is not None else None
            agency = profile.agency.kind if profile is not None and profile.agency else None
            agency_id = profile.agency_id if profile is not None else None
            who = Who(
                name=who_name,
                role=profile.role if profile is not None else None,
                agency=agency,
                member=who_name in {"alice", "carl", "petra", "pelle", "sara", "sven", "leo"},
                shared=shared_with.get(agency_id, frozenset()),
                consent=consent_state,
                evidence=evidence,
                emergency=who_name == "erik",
                participant=who_name in {"alice", "petra"},
            )
            expected = RULES[(name, method)](who)
            body_in = bodies.get((name, method), {})
            extra: dict[str, Any] = {"format": "json"}
            if (name, method) == ("consent-evidence", "post"):
                body_in = {"file": SimpleUploadedFile("samtycke.pdf", PDF, content_type="application/pdf")}
                extra = {"format": "multipart"}
            with transaction.atomic():
                last_entry = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
                response = getattr(clients[who_name], method)(url, body_in, HTTP_IF_MATCH=f'"{version}"', **extra)
                entries = list(
                    AuditEntry.objects.filter(id__gt=last_entry, case_ref=case.pk).values_list("event", "fields_shown")
                )
                transaction.set_rollback(True)
            checked += 1
            if response.status_code != expected:
                failures.append(
                    f"{method.upper()} {name} as {who_name} [{state}]: {response.status_code} != {expected}"
                )
                continue
            if name in ("schema", "docs", "redoc"):
                continue
            cell = f"{method.upper()} {name} as {who_name} [{'protected:' if protected else ''}{state}]"
            visible = set(CATEGORIES) if who.ss else set(who.shared)
            if who.role == Role.POLICE and who.participant and name == "case-visits":
                visible.add(VISITS)  # a participant always sees the visit
            body = (b"".join(response.streaming_content) if response.streaming else response.content).decode(
                errors="replace"
            )
            for category, marker in MARKERS.items():
                if category not in visible and marker in body:
                    failures.append(f"{cell}: leaks {category}")
            # The police's own notes: to the police, and to another agency (social services
            # included) only under a consent naming both.
            police_visible = (
                set(CATEGORIES) if who.role == Role.POLICE else set(police_shares.get(agency_id, frozenset()))
            )
            if POLICE_NOTE in body and NOTES not in police_visible:
                failures.append(f"{cell}: leaks the police's own note")
            if POLICE_VISIT_NOTE in body and VISITS not in police_visible:
                failures.append(f"{cell}: leaks the police's own visit note")
            # Social services' own notes on the visit: for police participants only under consent.
            if SS_VISIT_NOTE in body and not (who.ss or VISITS in who.shared):
                failures.append(f"{cell}: leaks the visit notes")
            if protected and not who.ss and YOUTH["address"] in body:
                failures.append(f"{cell}: leaks the protected address")
            # What the body shows, the same request recorded: an access entry naming the category,
            # the subject report's export entry, or a write's own entry.
            for category, marker in [*MARKERS.items(), (NOTES, POLICE_NOTE), (VISITS, POLICE_VISIT_NOTE)]:
                if marker in body and not any(
                    category in (shown or [])
                    or event == AuditEvent.EXPORT
                    or (method != "get" and event in (AuditEvent.CREATE, AuditEvent.UPDATE))
                    for event, shown in entries
                ):
                    failures.append(f"{cell}: shows {category} without an audit entry saying so")
    record_property("matrix_cells", checked)
    assert failures == []


def _url(name: str, case: Any) -> str:
    for kwargs in ({"case_id": case.pk, "username": "leo"}, {"case_id": case.pk}, {}):
        try:
            return reverse(name, kwargs=kwargs)
        except Exception:  # noqa: BLE001,S112 - try the next shape of arguments
            continue
    raise AssertionError(f"cannot build a URL for {name}")
