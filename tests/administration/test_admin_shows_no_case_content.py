"""The admin manages people, not cases: neither cases, youths nor the audit log are in it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.administration.conftest import verified_admin_client

pytestmark = pytest.mark.django_db


def test_the_admin_shows_no_case_content(case: Any, adam: Any) -> None:

    admin = verified_admin_client(adam)

    assert admin.get("/admin/cases/case/").status_code == 404
    assert admin.get("/admin/cases/youth/").status_code == 404
    assert admin.get("/admin/audit/auditentry/").status_code == 404  # the log is the auditors', via the API
    assert case.number not in admin.get("/admin/").content.decode()
