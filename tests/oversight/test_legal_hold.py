"""Coordinators place and release a legal hold, each step audited, its reason stored encrypted."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from audit.models import AuditEntry
from tests.conftest import case_url

pytestmark = pytest.mark.django_db


def test_the_legal_hold_is_for_coordinators_and_audited(case: Any, carl: Any, alice: Any, client_for: Any) -> None:
    assert client_for(alice).post(case_url(case, "legal-hold/"), {"reason": "x"}).status_code == 403

    placed = client_for(carl).post(case_url(case, "legal-hold/"), {"reason": "Begäran om utlämnande"})
    released = client_for(carl).delete(case_url(case, "legal-hold/"))
    again = client_for(carl).delete(case_url(case, "legal-hold/"))

    assert (placed.status_code, released.status_code, again.status_code) == (201, 200, 409)
    assert AuditEntry.objects.filter(event="legal_hold", case_number=case.number).count() == 2
    with connection.cursor() as cursor:
        cursor.execute("SELECT reason FROM cases_legalhold")
        assert "Begäran" not in cursor.fetchone()[0]
