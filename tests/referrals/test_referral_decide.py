"""Social services decide a referral once, with a reason: open a case from it (linked, about its
youth, without the reporter on the team), no action, or handled elsewhere."""

from __future__ import annotations

from typing import Any

import pytest
from auditlog.context import disable_auditlog
from django.core.exceptions import PermissionDenied

from cases.models import Case, CaseMember, Youth
from cases.personnummer import normalize
from referrals import services
from referrals.models import Referral, ReferralStatus
from referrals.services import MSG_ALREADY_DECIDED, MSG_REQUIRED
from tests.conftest import case_url
from tests.referrals.helpers import FAMILY, GIVEN, REASON, decide_url, file, pnr

pytestmark = pytest.mark.django_db


def stored(referral: Referral) -> Referral:
    return Referral.objects.select_related("key").get(pk=referral.pk)


@pytest.mark.parametrize("decision", ["no_action", "handled_elsewhere"])
def test_a_decision_without_a_case_keeps_its_reason(decision: str, sara: Any, alice: Any, client_for: Any) -> None:
    referral = file(sara)

    response = client_for(alice).post(decide_url(referral), {"decision": decision, "reason": REASON}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["reason"], body["decided_by"], body["case"]) == (decision, REASON, "alice", None)
    assert body["decided_at"] is not None
    after = stored(referral)
    assert (after.status, after.decision_reason, after.decided_by) == (decision, REASON, alice)
    assert not Case.objects.exists()


def test_open_case_opens_a_linked_case_about_the_youth(sara: Any, carl: Any, client_for: Any) -> None:
    referral = file(sara)

    response = client_for(carl).post(
        decide_url(referral),
        {"decision": "open_case", "reason": "Behov av samverkan", "track": "sspf", "district": "Centrum"},
        format="json",
    )

    assert response.status_code == 200
    case = Case.objects.select_related("key").get()
    assert response.json()["case"] == str(case.pk)
    assert stored(referral).case == case
    assert stored(referral).status == ReferralStatus.OPEN_CASE
    youth = Youth.objects.select_related("case__key").get(case=case)
    assert (youth.personal_number, youth.given_name, youth.family_name) == (normalize(pnr()), GIVEN, FAMILY)
    assert (case.track, case.district, case.owner) == ("sspf", "Centrum", carl)


def test_the_reporter_is_not_put_on_the_team(sara: Any, alice: Any, client_for: Any) -> None:
    referral = file(sara)
    services.referral_decide(
        actor=alice, referral=referral, decision="open_case", reason="r", track="sspf", district="Centrum"
    )
    case = Case.objects.get()

    assert list(CaseMember.objects.filter(case=case).values_list("user__username", flat=True)) == ["alice"]
    assert client_for(sara).get(case_url(case)).status_code == 404


def test_a_second_decision_is_a_conflict(sara: Any, alice: Any, carl: Any, client_for: Any) -> None:
    referral = file(sara)
    client_for(alice).post(decide_url(referral), {"decision": "no_action", "reason": REASON}, format="json")

    response = client_for(carl).post(
        decide_url(referral),
        {"decision": "open_case", "reason": "Ändå", "track": "sspf", "district": "Centrum"},
        format="json",
    )

    assert response.status_code == 409
    assert response.json() == {"detail": str(MSG_ALREADY_DECIDED), "code": "already_decided"}
    after = stored(referral)
    assert (after.status, after.decision_reason, after.decided_by) == ("no_action", REASON, alice)
    assert not Case.objects.exists()


def test_open_case_needs_a_track_and_a_district(sara: Any, alice: Any, client_for: Any) -> None:
    referral = file(sara)

    response = client_for(alice).post(decide_url(referral), {"decision": "open_case", "reason": "r"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"track": [str(MSG_REQUIRED)], "district": [str(MSG_REQUIRED)]}
    assert stored(referral).status == ReferralStatus.RECEIVED
    assert not Case.objects.exists()


def test_a_decision_needs_a_reason(sara: Any, alice: Any, client_for: Any) -> None:
    referral = file(sara)

    response = client_for(alice).post(decide_url(referral), {"decision": "no_action"}, format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"reason"}
    assert stored(referral).status == ReferralStatus.RECEIVED


def test_the_service_refuses_a_blank_reason(sara: Any, alice: Any) -> None:
    referral = file(sara)

    with pytest.raises(Exception) as raised:
        services.referral_decide(actor=alice, referral=referral, decision="no_action", reason="   ")

    assert getattr(raised.value, "message_dict", None) == {"reason": [str(MSG_REQUIRED)]}


def test_an_unknown_decision_is_named_and_not_repeated(sara: Any, alice: Any, client_for: Any) -> None:
    referral = file(sara)
    typed = pnr(serial=999)  # personal data typed into the wrong field

    response = client_for(alice).post(decide_url(referral), {"decision": typed, "reason": "r"}, format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"decision"}
    assert typed not in response.content.decode()


def test_a_youth_outside_the_tracks_age_band_names_the_track(sara: Any, alice: Any, client_for: Any) -> None:
    referral = file(sara, age=13)  # Linköpingsmodellen is for 15-17

    response = client_for(alice).post(
        decide_url(referral),
        {"decision": "open_case", "reason": "r", "track": "linkoping", "district": "Centrum"},
        format="json",
    )

    assert response.status_code == 400
    assert set(response.json()) == {"track"}
    assert stored(referral).status == ReferralStatus.RECEIVED
    assert not Case.objects.exists()


@pytest.mark.parametrize("decider", ["sara", "petra", "leo", "audrey"])
def test_the_service_lets_only_social_services_decide(decider: str, sara: Any, request: pytest.FixtureRequest) -> None:
    referral = file(sara)

    with pytest.raises(PermissionDenied):
        services.referral_decide(
            actor=request.getfixturevalue(decider), referral=referral, decision="no_action", reason="r"
        )

    assert stored(referral).status == ReferralStatus.RECEIVED


def test_a_purged_case_leaves_the_referral_unlinked(sara: Any, alice: Any) -> None:
    referral = file(sara)
    services.referral_decide(
        actor=alice, referral=referral, decision="open_case", reason="r", track="sspf", district="Centrum"
    )

    with disable_auditlog():  # as the purge deletes a case (oversight.purge.case_purge)
        Case.objects.get().delete()

    after = stored(referral)
    assert after.case is None
    assert (after.status, after.concern) == (ReferralStatus.OPEN_CASE, referral.concern)
