"""Nothing in the admin hands an administrator a way in as someone else: no API token is created
there (knox's own admin did, and showed it), no token or token prefix is shown, and a failed sign-in's
form, which axes keeps and the admin shows, holds no code or password that was typed, not even one
typed into the username box, nor the page the visitor was on the way to."""

from __future__ import annotations

from typing import Any

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from knox.models import AuthToken

from tests.administration.conftest import verified_admin_client

pytestmark = pytest.mark.django_db

TOKENS = "/admin/knox/authtoken/"


def test_no_token_is_made_in_the_admin_and_none_is_shown(adam: Any, alice: Any) -> None:
    admin = verified_admin_client(adam)
    instance, token = AuthToken.objects.create(user=alice)

    assert admin.get(TOKENS + "add/").status_code == 403
    assert admin.post(TOKENS + "add/", {"user": alice.pk, "expiry": ""}).status_code == 403
    assert AuthToken.objects.filter(user=alice).count() == 1
    listing = admin.get(TOKENS).content.decode()
    assert "alice" in listing
    # The digest is the row's key (in its URL): a one-way hash, no way back to the token.
    for secret in (instance.token_key, token):
        assert secret not in listing
        assert secret not in admin.get(f"{TOKENS}{instance.pk}/change/").content.decode()


def test_an_administrator_can_revoke_a_token(adam: Any, alice: Any) -> None:
    instance, _token = AuthToken.objects.create(user=alice)

    verified_admin_client(adam).post(f"{TOKENS}{instance.pk}/delete/", {"post": "yes"})

    assert not AuthToken.objects.filter(user=alice).exists()


SIGN_INS = [
    ("/login/", {"username": "alice", "password": "Canary-Pass-1", "otp": "135791"}),
    ("/enrol/", {"username": "alice", "password": "Canary-Pass-2", "enrolment_code": "CANARY-ENROL-CODE"}),
    ("/admin/login/", {"username": "adam", "password": "Canary-Pass-3", "otp_token": "246802"}),
]


def test_a_failed_sign_in_leaves_no_typed_secret_for_the_admin(client: Any, adam: Any, alice: Any) -> None:
    for path, data in SIGN_INS:
        client.post(path, data)

    kept = " ".join(
        f"{row.get_data} {row.post_data}"
        for model in (AccessAttempt, AccessFailureLog)
        for row in model.objects.all()
        if hasattr(row, "post_data")
    )
    assert AccessAttempt.objects.filter(username="alice").exists()  # the attempts are there, by user
    admin = verified_admin_client(adam)
    pages = [admin.get(f"/admin/axes/accessattempt/{row.pk}/change/") for row in AccessAttempt.objects.all()]
    shown = " ".join(page.content.decode() for page in pages)
    for _path, data in SIGN_INS:
        for name, value in data.items():
            if name != "username":
                assert value not in kept, name
                assert value not in shown, name


@pytest.mark.parametrize("path", ["/login/", "/enrol/", "/admin/login/", "/api/v1/auth/login"])
def test_a_secret_typed_as_the_username_is_kept_only_as_a_hash(client: Any, adam: Any, alice: Any, path: str) -> None:
    """A user who types the password (or pastes the enrolment code) into the username box: axes'
    list in the admin and the audit log keep a keyed hash of the unknown name, never the name."""
    from audit.models import AuditEntry

    secret = "Canary-Secret-In-The-Username-Box"
    data = {"username": secret, "password": "whatever-1", "otp": "123456", "enrolment_code": "x"}
    if path.startswith("/api/"):
        client.post(path, data, content_type="application/json")
    else:
        client.post(path, data)

    kept = [row.username for row in AccessAttempt.objects.all()]
    logged = list(AuditEntry.objects.filter(event="login_failed").values_list("actor_username", flat=True))
    assert kept and logged
    assert all(name.startswith("unknown:") for name in kept + logged), (kept, logged)
    page = verified_admin_client(adam).get("/admin/axes/accessattempt/").content.decode()
    every = " ".join(
        str(value)
        for model in (AccessAttempt, AccessFailureLog)
        for row in model.objects.values()
        for value in row.values()
    )
    assert secret not in page and secret not in every and secret not in " ".join(logged)


def test_the_page_a_signed_out_visitor_was_going_to_is_not_kept(client: Any, adam: Any, alice: Any, case: Any) -> None:
    client.post(f"/login/?next=/cases/{case.pk}/", {"username": "alice", "password": "wrong-one-1", "otp": "1"})

    every = " ".join(str(row) for row in AccessAttempt.objects.values_list("get_data", "post_data", "path_info"))
    assert str(case.pk) not in every
