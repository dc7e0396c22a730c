"""Any team member writes notes and reads their own agency's; social services read every agency's."""

from __future__ import annotations

from typing import Any

import pytest

from cases.models import Note
from tests.conftest import case_url

pytestmark = pytest.mark.django_db


def test_any_member_may_write_a_note_and_sees_their_agencys_notes(
    case: Any, alice: Any, sara: Any, client_for: Any
) -> None:
    client_for(alice).post(case_url(case, "notes/"), {"category": "notes", "text": "Socialtjänstens anteckning"})
    written = client_for(sara).post(case_url(case, "notes/"), {"text": "Skolans iakttagelse"})

    sara_sees = client_for(sara).get(case_url(case, "notes/")).json()
    alice_sees = client_for(alice).get(case_url(case, "notes/")).json()

    assert written.status_code == 201
    assert written.json()["category"] == "notes"
    assert [n["text"] for n in sara_sees["results"]] == ["Skolans iakttagelse"]
    assert sorted(n["text"] for n in alice_sees["results"]) == ["Skolans iakttagelse", "Socialtjänstens anteckning"]
    assert Note.objects.count() == 2


def test_a_note_needs_text_and_a_known_category(case: Any, alice: Any, client_for: Any) -> None:
    response = client_for(alice).post(case_url(case, "notes/"), {"category": "gossip", "text": ""})

    assert response.status_code == 400
    assert set(response.json()) == {"category", "text"}
    assert not Note.objects.exists()
