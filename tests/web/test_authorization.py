"""Every page of the web UI is covered: deny by default. For each route (a test fails if a route
is added without a rule here): an anonymous browser is sent to sign in; a social worker who is not
on the team, and an auditor, get "not found" for everything of a case (as the API's 404); roles
that may not write something get the service's refusal (403), and nothing is written."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import get_resolver
from django.utils import timezone

from audit.models import AuditEntry
from cases import services
from consent import services as consent_services
from content import case as case_content
from oversight import log_reviews
from referrals import services as referral_services
from tests.factories import personal_number_for_age

PUBLIC = {"root", "login", "enrol", "enrol-confirm"}


@pytest.fixture
def world(case: Any, linkoping_case: Any, alice: Any, sara: Any, audrey: Any, agencies: Any) -> dict[str, Any]:
    now = timezone.now()
    consent = consent_services.consent_record(
        actor=alice,
        case=case,
        giver="guardian",
        guardian=case.guardians.get().pk,
        parties=[agencies["school"].pk],
        categories=["identity"],
        valid_from=now - timedelta(minutes=1),
        valid_until=now + timedelta(days=30),
        method="oral",
    )
    meeting = services.meeting_record(
        actor=alice,
        case=case,
        held_at=now,
        actions=[{"agency": "school", "responsible": "Mentor", "action": "Närvaroplan"}],
    )
    referral = referral_services.referral_file(
        actor=sara,
        youth={"personal_number": personal_number_for_age(12, serial=77), "given_name": "A", "family_name": "B"},
        concern="Oro",
    )
    case_content.case_detail(reader=sara, case_id=case.pk)  # a read for the log check to sample
    review = log_reviews.review_start(
        actor=audrey, period_start=now - timedelta(days=1), period_end=timezone.now(), sample_size=5
    )
    return {
        "review_id": review.pk,
        "item_id": review.items.first().pk,
        "case_id": case.pk,
        "linkoping_id": linkoping_case.pk,
        "consent_id": consent.pk,
        "meeting_id": meeting.pk,
        "action_id": meeting.actions.get().pk,
        "referral_id": referral.pk,
        "username": "sara",
    }


# Each route: (url kwargs it takes from the world, whether it is a page of one case).
ROUTES: dict[str, tuple[list[str], bool]] = {
    "home": ([], False),
    "cases": ([], False),
    "case-open": ([], False),
    "emergency": ([], False),
    "ping": ([], False),
    "logout": ([], False),
    "case": (["case_id"], True),
    "guardian-add": (["case_id"], True),
    "subject-report": (["case_id"], True),
    "subject-report-pdf": (["case_id"], True),
    "custody": (["case_id"], True),
    "member-add": (["case_id"], True),
    "member-remove": (["case_id", "username"], True),
    "close": (["case_id"], True),
    "close-approve": (["case_id"], True),
    "close-reject": (["case_id"], True),
    "consent-add": (["case_id"], True),
    "consent-withdraw": (["consent_id"], True),
    "consent-verify": (["consent_id"], True),
    "visit-add": (["linkoping_id"], True),
    "meeting-add": (["case_id"], True),
    "action-done": (["case_id", "meeting_id", "action_id"], True),
    "note-add": (["case_id"], True),
    "police-link-add": (["case_id"], True),
    "audit": ([], False),
    "audit-csv": ([], False),
    "audit-anomalies": ([], False),
    "audit-verify": ([], False),
    "audit-reviews": ([], False),
    "audit-review": (["review_id"], False),
    "audit-review-item": (["review_id", "item_id"], False),
    "results": ([], False),
    "results-csv": ([], False),
    "results-freeze": ([], False),
    "referrals": ([], False),
    "referral-add": ([], False),
    "referral": (["referral_id"], False),
}


def url_of(name: str, world: dict[str, Any]) -> str:
    from django.urls import reverse

    names, _case = ROUTES[name]
    kwargs = {("case_id" if key == "linkoping_id" else key): world[key] for key in names}
    return reverse(f"web:{name}", kwargs=kwargs)


def test_every_route_has_a_rule() -> None:
    resolver = get_resolver().url_patterns
    web = next(p for p in resolver if getattr(p, "namespace", None) == "web")
    names = {p.name for p in web.url_patterns}
    assert names - PUBLIC == set(ROUTES), "a web route without an authorization rule (add it to ROUTES)"


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(ROUTES))
def test_anonymous_is_sent_to_sign_in(name: str, world: dict[str, Any], client: Any) -> None:
    answers = {method: getattr(client, method)(url_of(name, world)) for method in ("get", "post")}
    # A method the page does not take is 405 before anything else; the others send to sign-in.
    assert all(r.status_code in (302, 405) for r in answers.values()), name
    taken = [r for r in answers.values() if r.status_code == 302]
    assert taken and all(r["Location"].startswith("/login/?next=") for r in taken), name


@pytest.mark.django_db
def test_outsider_and_auditor_find_no_case(world: dict[str, Any], olle: Any, audrey: Any, browser_for: Any) -> None:
    """Every page of a case, read or write: 404 for a social worker not on the team and for an
    auditor; nothing of the case in the answer, and nothing written but the denied entries."""
    for user in (olle, audrey):
        browser = browser_for(user)
        for name, (_keys, of_a_case) in ROUTES.items():
            if not of_a_case:
                continue
            for method in ("get", "post"):
                response = getattr(browser, method)(url_of(name, world), {"reason": "x" * 20, "text": "x"})
                assert response.status_code in (404, 405), (user.username, name, method, response.status_code)
                assert "Exempelsson" not in response.content.decode()
    # Nothing was written: the only entries of the case after the setup are the denied attempts.
    assert (
        not AuditEntry.objects.filter(case_ref=world["case_id"], actor__in=[olle, audrey])
        .exclude(event="denied")
        .exists()
    )


@pytest.mark.django_db
def test_pages_for_other_roles_are_refused(world: dict[str, Any], audrey: Any, sara: Any, browser_for: Any) -> None:
    auditor = browser_for(audrey)
    assert auditor.get(url_of("referrals", world)).status_code == 403
    assert auditor.get(url_of("case-open", world)).status_code == 403
    assert auditor.get(url_of("emergency", world)).status_code == 404
    assert auditor.get(url_of("referral", world)).status_code == 404
    teacher = browser_for(sara)
    # On the team with identity shared: the case reads, but social services' writes are refused.
    assert teacher.get(url_of("case", world)).status_code == 200
    for name in ("consent-add", "case-open"):
        assert teacher.get(url_of(name, world)).status_code == 403, name
    assert teacher.get(url_of("emergency", world)).status_code == 404
    refusals = {
        "member-add": {"username": "leo"},
        "guardian-add": {"name": "Ny Vårdnadshavare"},
        "close": {"outcome": "other", "reason": "Klart"},
        "close-approve": {},
        "police-link-add": {"reference": "5000-K1"},
        "action-done": {},
    }
    for name, data in refusals.items():
        response = teacher.post(url_of(name, world), data)
        assert response.status_code == 403, (name, response.status_code)
    assert teacher.post(url_of("consent-withdraw", world), {"reason": "Jag vill"}).status_code == 403


@pytest.mark.django_db
def test_only_auditors_review_the_log(world: dict[str, Any], alice: Any, carl: Any, browser_for: Any) -> None:
    for user in (alice, carl):
        browser = browser_for(user)
        for name in ("audit", "audit-csv", "audit-anomalies", "audit-verify", "audit-reviews", "audit-review"):
            assert browser.get(url_of(name, world)).status_code == 403, (user.username, name)
        assert browser.post(url_of("audit-review-item", world), {"verdict": "justified"}).status_code == 403
