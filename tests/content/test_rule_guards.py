"""Rules of issue 13 about what is shown that the mutation run (scripts/mutate.py) found
unguarded: each test here fails when the rule it names is removed or weakened. The guardians
and custody are family information, shown only under identity. What the police
wrote (their notes, their notes on a visit, their links) is their own information: in the
subject report only as far as a consent naming them lets social services see it, the rest counted
as withheld; and reading it under consent is registered as a disclosure with its consents."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from cases import services
from cases.models import AgencyKind
from tests.conftest import case_url
from tests.consent.helpers import give, guardian_of

pytestmark = pytest.mark.django_db

POLICE_NOTE = "Polisens egen uppgift"
POLICE_VISIT_NOTE = "Polisens notering från besöket"
SS_NOTE = "Socialtjänstens anteckning"
LINK = "5000-K123456-26"


def test_the_guardians_and_custody_are_shown_only_under_identity(
    case: Any, alice: Any, petra: Any, agencies: Any, client_for: Any
) -> None:
    give(alice, case, guardian=guardian_of(case), parties=[agencies[AgencyKind.POLICE]], categories=["notes"])

    response = client_for(petra).get(case_url(case))

    assert response.status_code == 200
    assert response.json()["categories"] == ["notes"]
    assert "Maria Exempelsson" not in response.content.decode()
    assert not {"youth", "guardians", "custody", "custody_unconfirmed"} & set(response.json())


def consent_of_everyone(alice: Any, case: Any, police: Any, categories: list[str]) -> set[str]:
    """The guardian's and the 16-year-old's own consent to the police for ``categories`` (at 16
    both are needed): the ids of the two consents."""
    return {
        str(give(alice, case, guardian=guardian_of(case), parties=[police], categories=categories).pk),
        str(give(alice, case, parties=[police], categories=categories).pk),
    }


def police_information(case: Any, alice: Any, petra: Any) -> None:
    """A note and a note on a joint home visit written by the police, and a note of social
    services' own (joint home visits: a Linköpingsmodellen case)."""
    services.note_add(actor=alice, case=case, category="notes", text=SS_NOTE)
    services.note_add(actor=petra, case=case, category="notes", text=POLICE_NOTE)
    recorded = services.visit_record(
        actor=alice,
        case=case,
        occurred_at=timezone.now() - timedelta(hours=1),
        participants=["alice", "petra"],
        present=["youth"],
        basis="Observerad",
        notes="Socialtjänstens iakttagelser",
        outcome="-",
        informed_voluntary=True,
    )
    services.visit_note_add(actor=petra, visit=recorded.visit, text=POLICE_VISIT_NOTE)


def register(client: Any, case: Any) -> list[tuple[str, list[str], set[str]]]:
    rows = client.get(case_url(case, "disclosures/")).json()["results"]
    return [(d["agency"], d["categories"], set(d["consents"])) for d in rows]


def test_the_subject_report_holds_the_polices_information_only_under_a_consent_naming_them(
    linkoping_case: Any, alice: Any, petra: Any, agencies: Any, client_for: Any
) -> None:
    case, police = linkoping_case, agencies[AgencyKind.POLICE]
    consent_of_everyone(alice, case, police, ["identity"])  # lets the police link
    police_information(case, alice, petra)
    assert client_for(petra).post(case_url(case, "police-links/"), {"reference": LINK}).status_code == 201

    before = client_for(alice).get(case_url(case, "subject-report")).json()
    consent_of_everyone(alice, case, police, ["notes", "visits"])
    after = client_for(alice).get(case_url(case, "subject-report")).json()

    held_back = json.dumps(before, ensure_ascii=False)
    assert SS_NOTE in held_back
    for police_own in (POLICE_NOTE, POLICE_VISIT_NOTE, LINK):
        assert police_own not in held_back
    assert before["withheld"] == {"notes": 1, "visit_notes": 1, "police_links": 1}
    shown = json.dumps(after, ensure_ascii=False)
    for police_own in (POLICE_NOTE, POLICE_VISIT_NOTE, LINK):
        assert police_own in shown
    assert after["withheld"] == {"notes": 0, "visit_notes": 0, "police_links": 0}


def test_reading_the_polices_notes_on_a_visit_is_registered_as_a_disclosure(
    linkoping_case: Any, alice: Any, petra: Any, agencies: Any, client_for: Any
) -> None:
    case = linkoping_case
    police_information(case, alice, petra)
    consents = consent_of_everyone(alice, case, agencies[AgencyKind.POLICE], ["visits"])

    (visit,) = client_for(alice).get(case_url(case, "visits/")).json()["results"]

    assert POLICE_VISIT_NOTE in visit["notes"]
    assert register(client_for(alice), case) == [("social_services", ["visits"], consents)]


def test_reading_the_polices_links_is_registered_as_a_disclosure(
    case: Any, alice: Any, petra: Any, agencies: Any, client_for: Any
) -> None:
    consent = give(alice, case, guardian=guardian_of(case), parties=[agencies[AgencyKind.POLICE]], categories=["notes"])
    client_for(petra).post(case_url(case, "police-links/"), {"reference": LINK})

    links = client_for(alice).get(case_url(case, "police-links/")).json()

    assert [link["reference"] for link in links["results"]] == [LINK]
    assert register(client_for(alice), case) == [("social_services", ["notes"], {str(consent.pk)})]
