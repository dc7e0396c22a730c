"""Login takes a password and a current TOTP code, answers every failure alike and locks repeated failures out."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings
from django_otp.oath import totp
from knox.models import AuthToken

from accounts.models import SealedTOTPDevice as TOTPDevice
from accounts.services import device_bootstrap
from api.auth import MSG_BAD_CREDENTIALS, MSG_LOCKED_OUT
from tests.conftest import PASSWORD
from tests.contract import ConformingClient

pytestmark = pytest.mark.django_db

LOGIN = "/api/v1/auth/login"


@pytest.fixture
def device(alice: Any) -> TOTPDevice:
    return device_bootstrap(user=alice, name="phone")


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def login(username: str, password: str, otp: str, addr: str = "10.1.2.3") -> Any:
    return ConformingClient().post(LOGIN, {"username": username, "password": password, "otp": otp}, REMOTE_ADDR=addr)


def test_password_and_code_give_a_working_token(alice: Any, device: TOTPDevice, case: Any) -> None:
    response = login("alice", PASSWORD, current_code(device))

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token", "expires_at"}
    assert AuthToken.objects.filter(user=alice).count() == 1
    stored = AuthToken.objects.get(user=alice)
    assert body["token"] not in (stored.digest, stored.token_key)  # stored hashed, not as issued
    listed = ConformingClient().get("/api/v1/cases/", HTTP_AUTHORIZATION=f"Bearer {body['token']}")
    assert listed.status_code == 200
    assert listed.json()["count"] == 1


def test_a_wrong_password_is_401(device: TOTPDevice) -> None:
    response = login("alice", "wrong password!", current_code(device))

    assert response.status_code == 401
    assert response.json() == {"detail": str(MSG_BAD_CREDENTIALS), "code": "login_failed"}


def test_an_unknown_user_gets_the_same_answer(device: TOTPDevice) -> None:
    response = login("nobody", PASSWORD, current_code(device))

    assert response.status_code == 401
    assert response.json() == {"detail": str(MSG_BAD_CREDENTIALS), "code": "login_failed"}


def test_a_wrong_code_is_401_and_logged(device: TOTPDevice) -> None:
    from audit.models import AuditEntry

    good = current_code(device)
    wrong = f"{(int(good) + 1) % 1_000_000:06d}"

    response = login("alice", PASSWORD, wrong)

    assert response.status_code == 401
    assert not AuthToken.objects.exists()
    assert AuditEntry.objects.filter(event="login_failed", actor_username="alice").count() == 1


def test_two_factor_is_not_optional(alice: Any) -> None:
    response = login("alice", PASSWORD, "123456")

    assert response.status_code == 401
    assert not AuthToken.objects.exists()


def test_a_code_cannot_be_used_twice(device: TOTPDevice) -> None:
    otp = current_code(device)
    assert login("alice", PASSWORD, otp).status_code == 200

    replay = login("alice", PASSWORD, otp)

    assert replay.status_code == 401
    assert AuthToken.objects.count() == 1


def test_a_missing_field_is_named(device: TOTPDevice) -> None:
    response = ConformingClient().post(LOGIN, {"username": "alice", "password": PASSWORD})

    assert response.status_code == 400
    assert set(response.json()) == {"otp"}


@override_settings(AXES_FAILURE_LIMIT=3)
def test_repeated_failures_lock_the_username_and_address_out(device: TOTPDevice) -> None:
    for _ in range(2):
        assert login("alice", "wrong password!", "000000").status_code == 401
    assert login("alice", "wrong password!", "000000").status_code == 429  # the failure that reaches the limit

    locked = login("alice", PASSWORD, current_code(device))

    assert locked.status_code == 429
    assert locked.json() == {"detail": str(MSG_LOCKED_OUT), "code": "login_throttled"}
    assert not AuthToken.objects.exists()
    # Another address is not locked out by someone else's failures.
    assert login("alice", PASSWORD, current_code(device), addr="10.9.9.9").status_code == 200


@override_settings(AXES_FAILURE_LIMIT=2)
def test_wrong_codes_count_as_failures(device: TOTPDevice) -> None:
    assert login("alice", PASSWORD, "000000").status_code == 401
    assert login("alice", PASSWORD, "000001").status_code == 429

    assert login("alice", PASSWORD, current_code(device)).status_code == 429
