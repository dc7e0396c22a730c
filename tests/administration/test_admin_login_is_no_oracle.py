"""The admin login page tells nothing about the password: a right password without a code, with
a wrong code, and a wrong password get the same page, status and (within noise) time; only all
three right sign in, with the second factor recorded in the session."""

from __future__ import annotations

import re
import statistics
import time
from typing import Any

import pytest
from django.contrib.auth.hashers import make_password
from django.test import Client, override_settings

from accounts.services import device_bootstrap
from administration.forms import MSG_ADMIN_LOGIN_FAILED
from audit.models import AuditEntry
from audit.services import tried_username
from tests.accounts.helpers import current_code, other_code
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


def _attempt(password: str, code: str, username: str = "adam") -> Any:
    return Client().post(LOGIN, {"username": username, "password": password, "otp_token": code})


def _page(response: Any) -> str:
    return CSRF.sub("", response.content.decode())


def test_every_failure_gets_the_same_page(adam: Any) -> None:
    device = device_bootstrap(user=adam, name="admin phone")

    no_code = _attempt(PASSWORD, "")
    wrong_code = _attempt(PASSWORD, other_code(device))
    wrong_password = _attempt("wrong password!!", current_code(device))
    unknown_user = _attempt(PASSWORD, current_code(device), username="nobody")

    assert {r.status_code for r in (no_code, wrong_code, wrong_password, unknown_user)} == {200}
    assert str(MSG_ADMIN_LOGIN_FAILED) in _page(no_code)
    assert _page(no_code) == _page(wrong_code) == _page(wrong_password) == _page(unknown_user)
    assert "admin phone" not in _page(no_code)  # no device list
    assert "otp_device" not in _page(no_code)
    assert "adam" not in _page(no_code)  # nothing typed is echoed
    failures = AuditEntry.objects.filter(event="login_failed").values_list("actor_username", "actor_id")
    # All alike, no user named; the unknown name only as a hash (audit.services.tried_username).
    assert sorted(failures) == [("adam", None)] * 3 + [(tried_username("nobody"), None)]
    assert tried_username("nobody").startswith("unknown:")


def test_all_three_right_sign_in_with_the_second_factor(adam: Any) -> None:
    device = device_bootstrap(user=adam, name="admin phone")
    client = Client()

    response = client.post(LOGIN, {"username": "adam", "password": PASSWORD, "otp_token": current_code(device)})

    assert response.status_code == 302
    assert client.get("/admin/auth/user/").status_code == 200
    assert AuditEntry.objects.filter(event="login", actor=adam).exists()


def test_a_right_password_and_code_of_a_non_staff_user_get_the_same_page(alice: Any, adam: Any) -> None:
    device_bootstrap(user=adam, name="admin phone")
    alice_device = device_bootstrap(user=alice, name="phone")

    response = _attempt(PASSWORD, current_code(alice_device), username="alice")
    reference = _attempt("wrong password!!", "")

    assert response.status_code == 200
    assert _page(response).replace("alice", "adam") == _page(reference)


@override_settings(
    PASSWORD_HASHERS=["django.contrib.auth.hashers.PBKDF2PasswordHasher"],
    AXES_ENABLED=False,  # the timing runs many failures in a row; lockout is tested elsewhere
)
def test_the_answers_take_the_same_time_within_noise(adam: Any) -> None:
    # The real hasher: with the tests' fast one, nothing is left to compare but noise.
    type(adam).objects.filter(pk=adam.pk).update(password=make_password(PASSWORD))
    device = device_bootstrap(user=adam, name="admin phone")
    cases = {
        "right password, no code": (PASSWORD, ""),
        "right password, wrong code": (PASSWORD, other_code(device)),
        "wrong password": ("wrong password!!", other_code(device)),
    }
    timings: dict[str, list[float]] = {name: [] for name in cases}
    for _round in range(7):
        for name, (password, code) in cases.items():
            start = time.perf_counter()
            response = _attempt(password, code)
            timings[name].append(time.perf_counter() - start)
            assert response.status_code == 200

    medians = {name: statistics.median(values) for name, values in timings.items()}
    slowest, fastest = max(medians.values()), min(medians.values())
    assert slowest - fastest < 0.25 * fastest, medians
