"""Logging out revokes the token at once."""

from __future__ import annotations

from typing import Any

import pytest
from knox.models import AuthToken

pytestmark = pytest.mark.django_db


def test_logout_revokes_the_token(alice: Any, client_for: Any) -> None:
    client = client_for(alice)

    assert client.post("/api/v1/auth/logout").status_code == 204

    assert client.get("/api/v1/cases/").status_code == 401
    assert not AuthToken.objects.filter(user=alice).exists()
