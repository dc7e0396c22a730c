"""The admin asks for the second factor too: a session with a password only is sent to log in."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.django_db


def test_the_admin_needs_the_second_factor_too(adam: Any) -> None:
    from django.test import Client

    client = Client()
    client.force_login(adam)  # password only

    response = client.get("/admin/auth/user/")

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
