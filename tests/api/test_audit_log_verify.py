"""Auditors ask the API whether the audit chain is intact."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import case_url

pytestmark = pytest.mark.django_db


def test_verify_reports_an_intact_chain(case: Any, alice: Any, audrey: Any, client_for: Any) -> None:
    client_for(alice).get(case_url(case))

    body = client_for(audrey).get("/api/v1/audit/verify").json()

    assert body["ok"] is True
    assert body["first_bad_entry"] is None
    assert body["entries_checked"] > 0
    assert len(body["head"]) == 64
