from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from knox.models import AuthToken
from rest_framework.test import APIClient

from api.auth import MSG_BAD_CREDENTIALS, MSG_LOCKED_OUT
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/api/v1/auth/login"


@pytest.fixture
def device(alice: Any) -> TOTPDevice:
    return TOTPDevice.objects.create(user=alice, name="phone", confirmed=True)


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def login(username: str, password: str, otp: str, addr: str = "10.1.2.3") -> Any:
    return APIClient().post(LOGIN, {"username": username, "password": password, "otp": otp}, REMOTE_ADDR=addr)


def test_password_and_code_give_a_working_token(alice: Any, device: TOTPDevice, case: Any) -> None:
    response = login("alice", PASSWORD, current_code(device))

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token", "expires_at"}
    assert AuthToken.objects.filter(user=alice).count() == 1
    stored = AuthToken.objects.get(user=alice)
    assert body["token"] not in (stored.digest, stored.token_key)  # stored hashed, not as issued
    listed = APIClient().get("/api/v1/cases/", HTTP_AUTHORIZATION=f"Bearer {body['token']}")
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
    response = APIClient().post(LOGIN, {"username": "alice", "password": PASSWORD})

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


def test_logout_revokes_the_token(alice: Any, client_for: Any) -> None:
    client = client_for(alice)

    assert client.post("/api/v1/auth/logout").status_code == 204

    assert client.get("/api/v1/cases/").status_code == 401
    assert not AuthToken.objects.filter(user=alice).exists()


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
    response = APIClient().get("/api/v1/cases/", HTTP_AUTHORIZATION="Bearer not-a-token-at-all")

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_deactivating_in_the_admin_deletes_every_token(alice: Any, adam: Any, client_for: Any) -> None:
    client_for(alice)
    client_for(alice)
    admin = verified_admin_client(adam)
    change_url = f"/admin/auth/user/{alice.pk}/change/"
    form = admin.get(change_url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, list | dict)}
    data.update(
        {
            "username": "alice",
            "is_active": "",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "10:00:00",
            "staff_profile-TOTAL_FORMS": "1",
            "staff_profile-INITIAL_FORMS": "1",
            "staff_profile-MIN_NUM_FORMS": "0",
            "staff_profile-MAX_NUM_FORMS": "1",
            "staff_profile-0-user": str(alice.pk),
            "staff_profile-0-role": "social_worker",
            "staff_profile-0-agency": str(alice.staff_profile.agency_id),
        }
    )
    data.pop("password", None)
    data.pop("last_login", None)

    assert AuthToken.objects.filter(user=alice).count() == 2

    response = admin.post(change_url, data)

    assert response.status_code == 302, response.content.decode()[:2000]
    assert not AuthToken.objects.filter(user=alice).exists()
    from audit.models import AuditEntry

    change = AuditEntry.objects.filter(event="update", object_pk=str(alice.pk)).latest("pk")
    assert change.actor_username == "adam"  # admin changes name their actor too
    assert "is_active" in change.changed_fields


def test_the_admin_shows_no_case_content(case: Any, adam: Any) -> None:

    admin = verified_admin_client(adam)

    assert admin.get("/admin/cases/case/").status_code == 404
    assert admin.get("/admin/cases/youth/").status_code == 404
    assert admin.get("/admin/audit/auditentry/").status_code == 404  # the log is the auditors', via the API
    assert case.number not in admin.get("/admin/").content.decode()


def verified_admin_client(user: Any) -> Any:
    """An admin session that has passed the second factor, as django-otp records it."""
    from django.test import Client

    device = TOTPDevice.objects.create(user=user, name="admin phone", confirmed=True)
    client = Client()
    client.force_login(user)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client


def test_the_admin_needs_the_second_factor_too(adam: Any) -> None:
    from django.test import Client

    client = Client()
    client.force_login(adam)  # password only

    response = client.get("/admin/auth/user/")

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
