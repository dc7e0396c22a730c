"""A guardian is added to a case after it was opened."""

from __future__ import annotations

from typing import Any

import pytest

from cases.models import Guardian
from tests.conftest import case_url

pytestmark = pytest.mark.django_db


def test_a_guardian_is_added_later(case: Any, alice: Any, client_for: Any) -> None:
    response = client_for(alice).post(case_url(case, "guardians/"), {"name": "Jonas Exempelsson", "phone": "070"})

    assert response.status_code == 201
    assert response.json()["name"] == "Jonas Exempelsson"
    assert Guardian.objects.filter(case=case).count() == 2
    detail = client_for(alice).get(case_url(case)).json()
    assert [g["name"] for g in detail["guardians"]] == ["Maria Exempelsson", "Jonas Exempelsson"]
