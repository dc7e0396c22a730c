"""A user enrols their own authenticator with the password and a one-time enrolment code: the
secret is shown once, the first code confirms it, the password is replaced and the code is spent.
The password alone (what the creating administrator knows) or the code alone (what the approving
one knows) enrols nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import override_settings
from django.utils import timezone

from accounts.models import EnrolmentCode, SealedTOTPDevice
from accounts.services import MSG_ENROLMENT_FAILED, enrolment_code_issue
from audit.models import AuditEntry
from tests.accounts.helpers import current_code
from tests.conftest import PASSWORD
from tests.contract import ConformingClient

pytestmark = pytest.mark.django_db

START = "/api/v1/auth/enrol"
CONFIRM = "/api/v1/auth/enrol/confirm"
NEW_PASSWORD = "my very own passphrase 7"


@pytest.fixture
def nils(agencies: Any) -> Any:
    return get_user_model().objects.create_user(username="nils", password=PASSWORD)


@pytest.fixture
def code(nils: Any, adam: Any) -> str:
    return enrolment_code_issue(user=nils, grant=None, issued_to=adam)


def _start(code: str, password: str = PASSWORD) -> Any:
    return ConformingClient().post(START, {"username": "nils", "password": password, "enrolment_code": code})


def _confirm(code: str, otp: str, password: str = PASSWORD) -> Any:
    return ConformingClient().post(
        CONFIRM,
        {"username": "nils", "password": password, "enrolment_code": code, "otp": otp, "new_password": NEW_PASSWORD},
    )


def _login(password: str, otp: str) -> Any:
    return ConformingClient().post("/api/v1/auth/login", {"username": "nils", "password": password, "otp": otp})


def test_the_user_enrols_and_signs_in_with_a_new_password(nils: Any, code: str) -> None:
    started = _start(code)

    assert started.status_code == 200
    assert started["Cache-Control"] == "no-store"
    body = started.json()
    assert set(body) == {"otpauth_uri", "secret"}
    assert body["otpauth_uri"].startswith("otpauth://totp/SSPF%3Anils?secret=")
    device = SealedTOTPDevice.objects.get(user=nils)
    assert not device.confirmed

    confirmed = _confirm(code, current_code(device))

    assert confirmed.status_code == 204
    device.refresh_from_db()
    assert device.confirmed
    assert EnrolmentCode.objects.get(user=nils).used_at is not None
    assert AuditEntry.objects.filter(event="enrolled", actor_username="nils").exists()
    assert _login(PASSWORD, current_code(device)).status_code == 401  # the administrator's password is gone
    device.refresh_from_db()
    device.last_t = -1
    device.save()
    assert _login(NEW_PASSWORD, current_code(device)).status_code == 200


def test_the_password_alone_or_the_code_alone_enrols_nothing(nils: Any, code: str) -> None:
    without_code = _start("a guessed code")
    without_password = _start(code, password="not the password")

    for response in (without_code, without_password):
        assert response.status_code == 401
        assert response.json() == {"detail": str(MSG_ENROLMENT_FAILED), "code": "enrolment_failed"}
    assert not SealedTOTPDevice.objects.filter(user=nils).exists()


def test_a_code_is_used_once(nils: Any, code: str) -> None:
    _start(code)
    assert _confirm(code, current_code(SealedTOTPDevice.objects.get(user=nils))).status_code == 204

    again = ConformingClient().post(START, {"username": "nils", "password": NEW_PASSWORD, "enrolment_code": code})

    assert again.status_code == 401
    assert SealedTOTPDevice.objects.filter(user=nils).count() == 1


def test_an_expired_code_is_refused(nils: Any, code: str) -> None:
    EnrolmentCode.objects.filter(user=nils).update(expires_at=timezone.now() - timedelta(minutes=1))

    assert _start(code).status_code == 401


def test_a_wrong_first_code_confirms_nothing(nils: Any, code: str) -> None:
    _start(code)
    device = SealedTOTPDevice.objects.get(user=nils)
    wrong = f"{(int(current_code(device)) + 500_000) % 1_000_000:06d}"

    response = _confirm(code, wrong)

    assert response.status_code == 400
    assert set(response.json()) == {"otp"}
    device.refresh_from_db()
    assert not device.confirmed
    assert EnrolmentCode.objects.get(user=nils).used_at is None


@override_settings(AXES_FAILURE_LIMIT=2)
def test_guessing_codes_locks_the_username_out(nils: Any, code: str) -> None:
    assert _start("guess one").status_code == 401
    assert _start("guess two").status_code == 429

    assert _start(code).status_code == 429
