"""The OpenAPI schema describes every route of the contract."""

from __future__ import annotations

import pytest

from tests.contract import ConformingClient

pytestmark = pytest.mark.django_db


def test_the_schema_describes_the_contract() -> None:
    response = ConformingClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/auth/login",
        "/api/v1/auth/logout",
        "/api/v1/cases/",
        "/api/v1/cases/{case_id}/",
        "/api/v1/cases/{case_id}/close/",
        "/api/v1/cases/{case_id}/close/approve/",
        "/api/v1/cases/{case_id}/close/reject/",
        "/api/v1/cases/{case_id}/reopen/",
        "/api/v1/cases/{case_id}/meetings/{meeting_id}/actions/{action_id}/done/",
        "/api/v1/cases/{case_id}/members/",
        "/api/v1/cases/{case_id}/members/{username}/",
        "/api/v1/cases/{case_id}/guardians/",
        "/api/v1/cases/{case_id}/visits/",
        "/api/v1/cases/{case_id}/meetings/",
        "/api/v1/cases/{case_id}/notes/",
        "/api/v1/youths/lookup",
    ):
        assert path in paths


def test_the_schema_builds_without_a_warning() -> None:
    """Warnings (an enum name collision, a view it cannot read) fail `check --deploy` in CI;
    here they fail the suite first."""
    from io import StringIO

    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", stdout=StringIO(), stderr=StringIO())
