"""A consent names its parties: agencies, not kinds of agency. A member whose agency is no party
sees nothing under it, even when an agency of the same kind is one; what an agency wrote is its
own information, shown to another only under a consent naming both (OSL 12 kap. 2 §)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from cases import services
from cases.models import Agency, AgencyKind, Role
from cases.services.team import grant_membership
from consent.models import Consent
from tests.conftest import PASSWORD, YOUTH, case_url
from tests.consent.helpers import give, guardian_of
from tests.factories import personal_number_for_age

pytestmark = pytest.mark.django_db


@pytest.fixture
def sven(case: Any, alice: Any) -> Any:
    """A teacher of another school, on the team: the same kind of agency as Sara's."""
    other = Agency.objects.create(name="Tosteröskolan", kind=AgencyKind.SCHOOL)
    user = services.staff_create(username="sven", password=PASSWORD, role=Role.SCHOOL, agency=other)
    services.case_member_add(actor=alice, case=case, username="sven")
    return user


def consent_body(case: Any, **fields: Any) -> dict[str, Any]:
    now = timezone.now()
    return {
        "giver": "guardian",
        "guardian": str(guardian_of(case).pk),
        "categories": ["identity"],
        "valid_from": now.isoformat(),
        "valid_until": (now + timedelta(days=30)).isoformat(),
        "method": "oral",
        **fields,
    }


def test_every_signed_in_user_lists_the_agencies_and_nobody_else(
    agencies: Any, sara: Any, audrey: Any, client_for: Any
) -> None:
    listed = client_for(sara).get("/api/v1/agencies/")

    assert listed.status_code == 200
    assert {(a["name"], a["kind"]) for a in listed.json()} == {(a.name, a.kind) for a in agencies.values()}
    assert client_for(audrey).get("/api/v1/agencies/").status_code == 200
    assert client_for(None).get("/api/v1/agencies/").status_code == 401


def test_kinds_are_resolved_to_the_agencies_on_the_team_when_recorded(
    case: Any, alice: Any, sara: Any, sven: Any, client_for: Any
) -> None:
    response = client_for(alice).post(case_url(case, "consents/"), consent_body(case, agencies=["school"]))

    assert response.status_code == 201
    parties = {p["name"] for p in response.json()["parties"]}
    assert parties == {"Socialtjänsten", "Skolan", "Tosteröskolan"}  # both schools on the team, and the owner
    assert response.json()["agencies"] == ["school"]


def test_a_kind_with_no_agency_on_the_team_is_refused(alice: Any, client_for: Any) -> None:
    case = services.case_open(
        actor=alice,
        track="sspf",
        youth={**YOUTH, "personal_number": personal_number_for_age(12, serial=808)},
        guardians=[{"name": "Förälder"}],
        district="Centrum",
    )

    response = client_for(alice).post(case_url(case, "consents/"), consent_body(case, agencies=["police"]))

    assert response.status_code == 400
    assert list(response.json()) == ["agencies"]
    assert not Consent.objects.exists()


def test_an_unknown_party_is_refused_and_named(case: Any, alice: Any, client_for: Any) -> None:
    response = client_for(alice).post(
        case_url(case, "consents/"), consent_body(case, parties=["7f1c6a39-1ad4-4c53-9d8c-4c1b3a6e8c11"])
    )

    assert response.status_code == 400
    assert list(response.json()) == ["parties"]


def test_a_consent_naming_only_social_services_is_refused(case: Any, alice: Any, client_for: Any) -> None:
    owner = str(case.owning_agency_id)

    response = client_for(alice).post(case_url(case, "consents/"), consent_body(case, parties=[owner]))

    assert response.status_code == 400
    assert list(response.json()) == ["parties"]


def test_the_other_schools_teacher_sees_nothing_under_a_consent_naming_one_school(
    case: Any, alice: Any, sara: Any, sven: Any, agencies: Any, client_for: Any
) -> None:
    give(alice, case, guardian=guardian_of(case), parties=[agencies[AgencyKind.SCHOOL]])
    services.note_add(actor=alice, case=case, category="notes", text="Socialtjänstens anteckning")
    services.note_add(actor=sven, case=case, category="notes", text="Svens egen anteckning")
    sara_client, sven_client = client_for(sara), client_for(sven)

    assert sara_client.get(case_url(case)).status_code == 200
    assert sara_client.get(case_url(case, "meetings/")).status_code == 200
    assert "Socialtjänstens anteckning" in sara_client.get(case_url(case, "notes/")).content.decode()
    # Sven: the bare list row, no youth; no detail, no meetings, no visits; only his own notes.
    (row,) = sven_client.get("/api/v1/cases/").json()["results"]
    assert "youth" not in row
    assert sven_client.get(case_url(case)).json()["code"] == "consent_required"
    assert sven_client.get(case_url(case, "meetings/")).status_code == 403
    assert sven_client.get(case_url(case, "visits/")).status_code == 403
    assert [n["text"] for n in sven_client.get(case_url(case, "notes/")).json()["results"]] == ["Svens egen anteckning"]
    # And Sara does not read what the other school wrote: it is Tosteröskolan's own information.
    assert "Svens egen anteckning" not in sara_client.get(case_url(case, "notes/")).content.decode()


def test_adding_a_member_of_a_non_party_agency_warns(case: Any, alice: Any, agencies: Any, client_for: Any) -> None:
    give(alice, case, guardian=guardian_of(case), parties=[agencies[AgencyKind.SCHOOL]])
    other = Agency.objects.create(name="Tosteröskolan", kind=AgencyKind.SCHOOL)
    services.staff_create(username="sven", password=PASSWORD, role=Role.SCHOOL, agency=other)
    services.staff_create(username="sofia", password=PASSWORD, role=Role.SCHOOL, agency=agencies[AgencyKind.SCHOOL])

    outside = client_for(alice).post(case_url(case, "members/"), {"username": "sven"})
    party = client_for(alice).post(case_url(case, "members/"), {"username": "sofia"})

    assert outside.status_code == 201
    assert outside.json()["shares_nothing"] is True
    assert outside.json()["agency_id"] == str(other.pk)
    assert "samtycke" in outside.json()["warning"].lower()
    assert party.json()["shares_nothing"] is False
    assert "warning" not in party.json()


def test_a_police_note_reaches_the_school_only_under_a_consent_naming_both(
    case: Any, alice: Any, petra: Any, sara: Any, agencies: Any, client_for: Any
) -> None:
    services.note_add(actor=petra, case=case, category="notes", text="Polisens egen uppgift")
    school, police = agencies[AgencyKind.SCHOOL], agencies[AgencyKind.POLICE]
    give(alice, case, guardian=guardian_of(case), parties=[school], categories=["notes"])
    give(alice, case, guardian=guardian_of(case), parties=[police], categories=["notes"])

    # The school and the police each share notes with social services, but not with each other.
    apart = client_for(sara).get(case_url(case, "notes/")).content.decode()
    social = client_for(alice).get(case_url(case, "notes/")).content.decode()
    give(alice, case, guardian=guardian_of(case), parties=[school, police], categories=["notes"])
    together = client_for(sara).get(case_url(case, "notes/")).content.decode()

    assert "Polisens egen uppgift" not in apart
    assert "Polisens egen uppgift" in social
    assert "Polisens egen uppgift" in together


def test_reading_another_agencys_note_is_registered_as_a_disclosure(
    case: Any, alice: Any, petra: Any, agencies: Any, client_for: Any
) -> None:
    services.note_add(actor=petra, case=case, category="notes", text="Polisens egen uppgift")
    consent = give(alice, case, guardian=guardian_of(case), parties=[agencies[AgencyKind.POLICE]], categories=["notes"])

    client_for(alice).get(case_url(case, "notes/"))

    register = client_for(alice).get(case_url(case, "disclosures/")).json()["results"]
    assert [(d["agency"], d["categories"], d["consents"]) for d in register] == [
        ("social_services", ["notes"], [str(consent.pk)])
    ]


def test_social_services_of_another_authority_cannot_join_the_team(case: Any, alice: Any, client_for: Any) -> None:
    neighbour = Agency.objects.create(name="Socialtjänsten Eskilstuna", kind=AgencyKind.SOCIAL_SERVICES)
    services.staff_create(username="nils", password=PASSWORD, role=Role.SOCIAL_WORKER, agency=neighbour)

    response = client_for(alice).post(case_url(case, "members/"), {"username": "nils"})

    assert response.status_code == 400
    assert list(response.json()) == ["username"]


def test_emergency_access_is_for_the_authority_that_holds_the_case(case: Any, client_for: Any) -> None:
    neighbour = Agency.objects.create(name="Socialtjänsten Eskilstuna", kind=AgencyKind.SOCIAL_SERVICES)
    nils = services.staff_create(username="nils", password=PASSWORD, role=Role.SOCIAL_WORKER, agency=neighbour)

    response = client_for(nils).post(case_url(case, "emergency-access/"), {"reason": "Akut läge, ingen nås"})

    assert response.status_code == 404  # as if the case did not exist
    assert client_for(nils).get(case_url(case)).status_code == 404


def test_another_authoritys_social_services_cannot_be_a_party(case: Any, alice: Any, client_for: Any) -> None:
    neighbour = Agency.objects.create(name="Socialtjänsten Eskilstuna", kind=AgencyKind.SOCIAL_SERVICES)

    response = client_for(alice).post(case_url(case, "consents/"), consent_body(case, parties=[str(neighbour.pk)]))

    assert response.status_code == 400
    assert list(response.json()) == ["parties"]


def test_an_old_membership_of_another_authoritys_social_worker_shows_nothing_on_no_consent(
    case: Any, alice: Any, client_for: Any
) -> None:
    neighbour = Agency.objects.create(name="Socialtjänsten Eskilstuna", kind=AgencyKind.SOCIAL_SERVICES)
    nils = services.staff_create(username="nils", password=PASSWORD, role=Role.SOCIAL_WORKER, agency=neighbour)
    # As an earlier version let such a member join: the grant written directly.
    grant_membership(case=case, user=nils, role=Role.SOCIAL_WORKER, added_by=alice)

    response = client_for(nils).get(case_url(case))

    assert response.status_code == 403
    assert response.json()["code"] == "consent_required"
