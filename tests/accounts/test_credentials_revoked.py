"""A password change or reset by any path, and deactivation, delete every token and every session
of the user for good: re-activating the account brings none of them back."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.contrib.sessions.models import Session
from django.test import Client
from knox.models import AuthToken

from audit.models import AuditEntry
from tests.administration.conftest import verified_admin_client
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a new and long passphrase 42"


def _sessions_of(user: Any) -> int:
    return sum(1 for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(user.pk))


def _signed_in_everywhere(user: Any, client_for: Any) -> Any:
    """Two bearer tokens and one session, each working."""
    api = client_for(user)
    client_for(user)
    browser = Client()
    browser.force_login(user)
    assert api.get("/api/v1/cases/").status_code == 200
    assert AuthToken.objects.filter(user=user).count() == 2
    assert _sessions_of(user) == 1
    return api


def _revoked(user: Any, api: Any) -> None:
    assert not AuthToken.objects.filter(user=user).exists()
    assert _sessions_of(user) == 0
    assert api.get("/api/v1/cases/").status_code == 401
    assert AuditEntry.objects.filter(event="token_revoked", object_pk=str(user.pk)).exists()


def test_set_password_through_a_service_revokes_everything(alice: Any, client_for: Any) -> None:
    api = _signed_in_everywhere(alice, client_for)

    alice.set_password(NEW_PASSWORD)
    alice.save()

    _revoked(alice, api)


def test_a_save_naming_only_the_password_field_revokes_too(alice: Any, client_for: Any) -> None:
    api = _signed_in_everywhere(alice, client_for)

    alice.set_password(NEW_PASSWORD)
    alice.save(update_fields=["password"])

    _revoked(alice, api)


def test_djangos_password_change_and_reset_forms_revoke_everything(alice: Any, olle: Any, client_for: Any) -> None:
    api = _signed_in_everywhere(alice, client_for)
    form = PasswordChangeForm(
        alice, {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert form.is_valid(), form.errors
    form.save()
    _revoked(alice, api)

    other = _signed_in_everywhere(olle, client_for)
    reset = SetPasswordForm(olle, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert reset.is_valid(), reset.errors
    reset.save()
    _revoked(olle, other)


def test_the_admins_own_password_change_view_revokes_his_tokens(adam: Any, client_for: Any) -> None:
    api = client_for(adam)
    admin = verified_admin_client(adam)
    other_browser = Client()
    other_browser.force_login(adam)

    response = admin.post(
        "/admin/password_change/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert not AuthToken.objects.filter(user=adam).exists()
    assert api.get("/api/v1/agencies/").status_code == 401
    # Every other session is gone; Django gives the session that made the change a new key.
    assert other_browser.get("/admin/").status_code == 302
    assert _sessions_of(adam) == 1


def test_deactivation_revokes_and_reactivation_brings_nothing_back(alice: Any, client_for: Any) -> None:
    api = _signed_in_everywhere(alice, client_for)

    alice.is_active = False
    alice.save()
    _revoked(alice, api)
    alice.is_active = True
    alice.save()

    assert not AuthToken.objects.filter(user=alice).exists()
    assert _sessions_of(alice) == 0
    assert api.get("/api/v1/cases/").status_code == 401


def test_an_unrelated_save_revokes_nothing(alice: Any, client_for: Any) -> None:
    api = _signed_in_everywhere(alice, client_for)

    alice.first_name = "Alice"
    alice.save()

    assert AuthToken.objects.filter(user=alice).count() == 2
    assert api.get("/api/v1/cases/").status_code == 200


def test_the_admin_cannot_set_another_users_password(alice: Any, adam: Any) -> None:
    admin = verified_admin_client(adam)
    before = type(alice).objects.get(pk=alice.pk).password

    page = admin.get(f"/admin/auth/user/{alice.pk}/password/")
    posted = admin.post(
        f"/admin/auth/user/{alice.pk}/password/", {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )

    assert page.status_code == 404
    assert posted.status_code == 404
    assert type(alice).objects.get(pk=alice.pk).password == before
