"""Signed-in browsers for the web UI's server-side tests: the real sign-in form, with a code from
the user's real (sealed) authenticator."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django_otp.oath import totp

from accounts.services import device_bootstrap
from tests.conftest import PASSWORD


def code_for(device: Any, offset: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0 - offset * device.step, digits=device.digits):06d}"


def sign_in(client: Client, user: Any) -> Any:
    device = device_bootstrap(user=user)
    response = client.post("/login/", {"username": user.username, "password": PASSWORD, "otp": code_for(device)})
    assert response.status_code == 302, response.content.decode()[:500]
    return response


@pytest.fixture
def browser_for() -> Callable[[Any], Client]:
    """A Django test client signed in as ``user`` through the sign-in page (None: anonymous)."""

    def make(user: Any) -> Client:
        client = Client()
        if user is not None:
            sign_in(client, user)
        return client

    return make
