"""A bearer token lives while it is used, up to an absolute limit, and dies with its user; a forged one is 401."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from knox.models import AuthToken

from tests.contract import ConformingClient

pytestmark = pytest.mark.django_db


def test_an_idle_token_expires(alice: Any, client_for: Any) -> None:
    client = client_for(alice)
    AuthToken.objects.filter(user=alice).update(expiry=timezone.now() - timedelta(seconds=1))

    assert client.get("/api/v1/cases/").status_code == 401


def test_use_extends_a_token_but_not_past_the_absolute_limit(alice: Any, client_for: Any) -> None:
    client = client_for(alice)
    token = AuthToken.objects.get(user=alice)
    AuthToken.objects.filter(pk=token.pk).update(
        created=timezone.now() - timedelta(hours=11, minutes=55), expiry=timezone.now() + timedelta(minutes=1)
    )

    assert client.get("/api/v1/cases/").status_code == 200

    token.refresh_from_db()
    assert token.expiry <= token.created + timedelta(hours=12)
    assert token.expiry > timezone.now() + timedelta(minutes=1)


def test_deactivating_a_user_revokes_access(alice: Any, client_for: Any) -> None:
    client = client_for(alice)
    alice.is_active = False
    alice.save()

    assert client.get("/api/v1/cases/").status_code == 401


def test_a_garbage_token_is_401(alice: Any) -> None:
    response = ConformingClient().get("/api/v1/cases/", HTTP_AUTHORIZATION="Bearer not-a-token-at-all")

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
