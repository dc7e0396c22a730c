from __future__ import annotations

from typing import Any

import pytest

from cases.models import HomeVisit
from cases.services import MSG_PARTICIPANT_NOT_MEMBER, MSG_SCREENING_ACCEPT_WITHOUT_OFFER, MSG_VISIT_NEEDS_BOTH
from tests.conftest import case_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(linkoping_case: Any) -> Any:
    """Joint home visits are recorded on Linköpingsmodellen cases only: every test here has one
    (a 16-year-old; the same team as the SSPF case)."""
    return linkoping_case


def visit(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "occurred_at": "2026-03-02T18:30:00+01:00",
        "participants": ["alice", "petra"],
        "present": ["youth", "guardian"],
        "source": "Tips från fältarbetare",
        "basis": "Observerad vid känd försäljningsplats",
        "family_told": "Informerade om oron och om stöd",
        "notes": "Samtalet gick lugnt till.",
        "outcome": "Familjen tackade ja till stödsamtal",
        "informed_voluntary": True,
        "screening": {"offered": True, "accepted": True, "result": "negativt"},
        "support_offered": "Stödsamtal via Team ungdom",
        "follow_up_at": "2026-04-01",
    }
    body.update(overrides)
    return body


def test_a_joint_visit_is_recorded(case: Any, alice: Any, client_for: Any) -> None:
    response = client_for(alice).post(case_url(case, "visits/"), visit())

    assert response.status_code == 201
    body = response.json()
    assert body["participants"] == ["alice", "petra"]
    assert body["screening"] == {"offered": True, "accepted": True, "result": "negativt"}
    assert body["basis"] == "Observerad vid känd försäljningsplats"
    stored = HomeVisit.objects.select_related("case__key").get(pk=body["id"])
    assert stored.outcome == "Familjen tackade ja till stödsamtal"


def test_a_visit_needs_police_and_social_services(case: Any, alice: Any, client_for: Any) -> None:
    response = client_for(alice).post(case_url(case, "visits/"), visit(participants=["alice", "carl"]))

    assert response.status_code == 400
    assert response.json() == {"participants": [str(MSG_VISIT_NEEDS_BOTH)]}
    assert not HomeVisit.objects.exists()


def test_participants_must_be_on_the_team(case: Any, alice: Any, olle: Any, client_for: Any) -> None:
    response = client_for(alice).post(case_url(case, "visits/"), visit(participants=["alice", "petra", "olle"]))

    assert response.status_code == 400
    assert response.json() == {"participants": [str(MSG_PARTICIPANT_NOT_MEMBER)]}


def test_bad_fields_are_named(case: Any, alice: Any, client_for: Any) -> None:
    response = client_for(alice).post(
        case_url(case, "visits/"), visit(occurred_at="yesterday", present=["neighbour"], basis="")
    )

    assert response.status_code == 400
    assert set(response.json()) == {"occurred_at", "present", "basis"}


def test_a_police_participant_sees_their_visit_without_consent(
    case: Any, alice: Any, petra: Any, client_for: Any
) -> None:
    client_for(alice).post(case_url(case, "visits/"), visit())

    response = client_for(petra).get(case_url(case, "visits/"))

    assert response.status_code == 200
    assert [v["participants"] for v in response.json()["results"]] == [["alice", "petra"]]


def test_school_needs_consent_for_visits(case: Any, alice: Any, sara: Any, client_for: Any) -> None:
    client_for(alice).post(case_url(case, "visits/"), visit())

    response = client_for(sara).get(case_url(case, "visits/"))

    assert response.status_code == 403
    assert response.json()["code"] == "consent_required"
    assert "försäljningsplats" not in response.content.decode()


def test_school_cannot_record_visits(case: Any, sara: Any, client_for: Any) -> None:
    assert client_for(sara).post(case_url(case, "visits/"), visit()).status_code == 403
    assert not HomeVisit.objects.exists()


def test_listing_visits_costs_the_same_however_many(
    case: Any, alice: Any, client_for: Any, django_assert_max_num_queries: Any
) -> None:
    client = client_for(alice)
    for _ in range(6):
        client.post(case_url(case, "visits/"), visit())

    # token, case, count, page, participants, agency notes, audit insert, savepoints; nothing per visit
    with django_assert_max_num_queries(10):
        response = client.get(case_url(case, "visits/"))

    assert response.json()["count"] == 6


@pytest.mark.parametrize("accepted", [True, False])
def test_a_screening_answer_needs_an_offer(case: Any, alice: Any, client_for: Any, accepted: bool) -> None:
    """Accepted or declined, an answer without an offer is refused with the reason, and nothing
    is stored (the database constraint is never what answers)."""
    body = visit(screening={"offered": False, "accepted": accepted})

    response = client_for(alice).post(case_url(case, "visits/"), body, format="json")

    assert response.status_code == 400
    assert response.json() == {"screening": [str(MSG_SCREENING_ACCEPT_WITHOUT_OFFER)]}
    assert not HomeVisit.objects.exists()


def test_recording_a_visit_takes_a_bounded_number_of_queries(
    case: Any, alice: Any, client_for: Any, django_assert_max_num_queries: Any
) -> None:
    client = client_for(alice)
    client.post(case_url(case, "visits/"), visit(), format="json")  # warm caches (content types)

    # token, case, team, visit, participants (one INSERT), note, the two audit entries (one
    # INSERT), and the request's transaction (two statements); no uniqueness or constraint
    # queries, no savepoint of the service's own, nothing read back for the response
    with django_assert_max_num_queries(9):
        response = client.post(case_url(case, "visits/"), visit(), format="json")

    assert response.status_code == 201


def test_screening_and_the_optional_fields_may_be_left_out(case: Any, alice: Any, client_for: Any) -> None:
    minimal = {k: v for k, v in visit().items() if k not in {"screening", "source", "family_told", "support_offered"}}
    minimal.pop("follow_up_at")

    response = client_for(alice).post(case_url(case, "visits/"), minimal)

    assert response.status_code == 201
    assert response.json()["screening"] is None
    assert response.json()["follow_up_at"] is None


def test_each_agency_keeps_its_own_notes_on_a_visit(case: Any, alice: Any, petra: Any, client_for: Any) -> None:
    created = client_for(alice).post(case_url(case, "visits/"), visit(notes="Socialtjänstens egna iakttagelser"))
    visit_id = created.json()["id"]

    police_note = client_for(petra).post(case_url(case, f"visits/{visit_id}/notes/"), {"text": "Polisens notering"})
    police_view = client_for(petra).get(case_url(case, "visits/")).json()["results"][0]
    social_view = client_for(alice).get(case_url(case, "visits/")).json()["results"][0]

    assert police_note.status_code == 201
    assert [n["text"] for n in police_view["agency_notes"]] == ["Polisens notering"]
    assert police_view["notes"] == "Polisens notering"
    assert police_view["basis"] == visit()["basis"]  # the shared part
    # The police's own notes reach social services only under a consent naming the police.
    assert [n["agency"] for n in social_view["agency_notes"]] == ["social_services"]
    assert "Polisens notering" not in social_view["notes"]


def test_a_consent_naming_the_police_shows_their_visit_notes_to_social_services(
    case: Any, alice: Any, petra: Any, client_for: Any
) -> None:
    from tests.consent.helpers import give, guardian_of

    created = client_for(alice).post(case_url(case, "visits/"), visit(notes="Socialtjänstens egna iakttagelser"))
    client_for(petra).post(case_url(case, f"visits/{created.json()['id']}/notes/"), {"text": "Polisens notering"})
    give(alice, case, guardian=guardian_of(case), agencies=["police"], categories=["visits"])
    give(alice, case, agencies=["police"], categories=["visits"])  # the youth, 16, consents too

    social_view = client_for(alice).get(case_url(case, "visits/")).json()["results"][0]

    assert [n["agency"] for n in social_view["agency_notes"]] == ["social_services", "police"]


def test_consent_shows_the_other_agencys_visit_notes_to_the_police(
    case: Any, alice: Any, petra: Any, client_for: Any
) -> None:
    from cases.models import Guardian
    from tests.consent.helpers import give

    client_for(alice).post(case_url(case, "visits/"), visit(notes="Socialtjänstens egna iakttagelser"))
    give(alice, case, guardian=Guardian.objects.get(case=case), agencies=["police"], categories=["visits"])
    give(alice, case, agencies=["police"], categories=["visits"])  # the youth, 16, consents too

    police_view = client_for(petra).get(case_url(case, "visits/")).json()["results"][0]

    assert [n["text"] for n in police_view["agency_notes"]] == ["Socialtjänstens egna iakttagelser"]


def test_only_participants_and_social_services_write_on_a_visit(
    case: Any, alice: Any, sara: Any, client_for: Any
) -> None:
    visit_id = client_for(alice).post(case_url(case, "visits/"), visit()).json()["id"]

    assert client_for(sara).post(case_url(case, f"visits/{visit_id}/notes/"), {"text": "x"}).status_code == 403
    assert (
        client_for(alice)
        .post(case_url(case, "visits/7f1c6a39-1ad4-4c53-9d8c-4c1b3a6e8c11/notes/"), {"text": "x"})
        .status_code
        == 404
    )


def test_a_police_officer_records_a_visit_of_two_colleagues_without_consent(
    case: Any, alice: Any, petra: Any, agencies: Any, client_for: Any
) -> None:
    """The recorder need not be among the participants, and without consent the police read only
    visits they took part in; the answer to the recording is still the visit just recorded."""
    from cases import services
    from cases.models import AgencyKind, Role

    colleague = services.staff_create(
        username="polis2", password="correct horse battery staple", role=Role.POLICE, agency=agencies[AgencyKind.POLICE]
    )
    services.case_member_add(actor=alice, case=case, username=colleague.username)

    response = client_for(petra).post(case_url(case, "visits/"), visit(participants=["alice", "polis2"]), format="json")

    assert response.status_code == 201
    assert response.json()["participants"] == ["alice", "polis2"]
    assert client_for(petra).get(case_url(case, "visits/")).json()["count"] == 0  # not hers to read later


def _second_police_officer(alice: Any, agencies: Any, case: Any) -> Any:
    from cases import services
    from cases.models import AgencyKind, Role

    colleague = services.staff_create(
        username="polis2", password="correct horse battery staple", role=Role.POLICE, agency=agencies[AgencyKind.POLICE]
    )
    services.case_member_add(actor=alice, case=case, username=colleague.username)
    return colleague


def test_a_visit_needs_a_social_services_participant(
    case: Any, alice: Any, petra: Any, agencies: Any, client_for: Any
) -> None:
    """Two police officers are not a Linköpingsmodellen visit: social services must be there too."""
    _second_police_officer(alice, agencies, case)

    response = client_for(petra).post(case_url(case, "visits/"), visit(participants=["petra", "polis2"]))

    assert response.status_code == 400
    assert response.json() == {"participants": [str(MSG_VISIT_NEEDS_BOTH)]}
    assert not HomeVisit.objects.exists()


def test_a_police_officer_who_was_not_there_cannot_write_on_the_visit(
    case: Any, alice: Any, agencies: Any, client_for: Any
) -> None:
    from cases.models import VisitNote

    colleague = _second_police_officer(alice, agencies, case)
    visit_id = client_for(alice).post(case_url(case, "visits/"), visit(notes="")).json()["id"]

    response = client_for(colleague).post(case_url(case, f"visits/{visit_id}/notes/"), {"text": "Jag var inte där"})

    assert response.status_code == 403
    assert not VisitNote.objects.exists()
