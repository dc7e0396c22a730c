"""Social services on the team close a case, once; a closed case takes nothing more."""

from __future__ import annotations

from typing import Any

import pytest

from cases.models import Case
from tests.conftest import case_url

pytestmark = pytest.mark.django_db


def test_closing_a_case(case: Any, carl: Any, client_for: Any) -> None:
    response = client_for(carl).post(case_url(case, "close/"), {"reason": "Målet uppnått"})

    assert response.status_code == 200
    assert response.json()["status"] == "closed"
    assert response.json()["closed_at"] is not None
    assert client_for(carl).post(case_url(case, "close/"), {"reason": "igen"}).status_code == 409


def test_a_team_member_from_another_agency_cannot_close(case: Any, petra: Any, client_for: Any) -> None:
    assert client_for(petra).post(case_url(case, "close/"), {"reason": "x"}).status_code == 403
    assert Case.objects.get(pk=case.pk).status == "open"


def test_nothing_can_be_added_to_a_closed_case(case: Any, carl: Any, client_for: Any) -> None:
    client = client_for(carl)
    client.post(case_url(case, "close/"), {"reason": "Flyttat"})

    response = client.post(case_url(case, "notes/"), {"text": "för sent"})

    assert response.status_code == 409
    assert response.json()["code"] == "case_closed"
