"""Any team member writes notes and reads their own agency's; another agency's notes, social
services' included, only under a consent naming both agencies (OSL 12 kap. 2 §)."""

from __future__ import annotations

from typing import Any

import pytest

from cases.models import Note
from tests.conftest import case_url

pytestmark = pytest.mark.django_db


def test_any_member_may_write_a_note_and_social_services_read_the_schools_only_under_consent(
    case: Any, alice: Any, sara: Any, client_for: Any
) -> None:
    from tests.consent.helpers import give, guardian_of

    client_for(alice).post(case_url(case, "notes/"), {"category": "notes", "text": "Socialtjänstens anteckning"})
    written = client_for(sara).post(case_url(case, "notes/"), {"text": "Skolans iakttagelse"})

    sara_sees = client_for(sara).get(case_url(case, "notes/")).json()
    alice_before = client_for(alice).get(case_url(case, "notes/")).json()
    give(alice, case, guardian=guardian_of(case), agencies=["school"], categories=["notes"])
    alice_after = client_for(alice).get(case_url(case, "notes/")).json()

    assert written.status_code == 201
    assert written.json()["category"] == "notes"
    assert [n["text"] for n in sara_sees["results"]] == ["Skolans iakttagelse"]
    assert [n["text"] for n in alice_before["results"]] == ["Socialtjänstens anteckning"]
    assert sorted(n["text"] for n in alice_after["results"]) == ["Skolans iakttagelse", "Socialtjänstens anteckning"]
    assert Note.objects.count() == 2


def test_a_note_needs_text_and_a_known_category(case: Any, alice: Any, client_for: Any) -> None:
    response = client_for(alice).post(case_url(case, "notes/"), {"category": "gossip", "text": ""})

    assert response.status_code == 400
    assert set(response.json()) == {"category", "text"}
    assert not Note.objects.exists()


def test_consent_shows_another_agencys_notes_only_in_the_shared_categories(
    case: Any, alice: Any, sara: Any, client_for: Any
) -> None:
    from cases.models import Guardian
    from tests.consent.helpers import give

    client = client_for(alice)
    client.post(case_url(case, "notes/"), {"category": "notes", "text": "Delas med skolan"})
    client.post(case_url(case, "notes/"), {"category": "meetings", "text": "Från mötet, delas inte"})
    client_for(sara).post(case_url(case, "notes/"), {"text": "Skolans iakttagelse"})
    give(alice, case, guardian=Guardian.objects.get(case=case), agencies=["school"], categories=["notes"])

    response = client_for(sara).get(case_url(case, "notes/"))

    assert response.status_code == 200
    assert sorted(n["text"] for n in response.json()["results"]) == ["Delas med skolan", "Skolans iakttagelse"]
    assert "delas inte" not in response.content.decode()
