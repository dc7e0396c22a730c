"""The health check reports the database, and is never cached."""

from __future__ import annotations

import pytest

from tests.contract import ConformingClient

pytestmark = pytest.mark.django_db


def test_health_reports_the_database() -> None:
    response = ConformingClient().get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "audit_sealing": "ok", "audit_unsealed_seconds": 0}
    assert response["Cache-Control"] == "no-store"
