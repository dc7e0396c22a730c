"""The admin answers only what its pages show. No URL filter reaches past a page's declared
filters (Django would answer ``?owned_cases=<id>`` with a row count: a question about cases);
users and agencies are never deleted (the confirmation page would list the cases a user is tied
to); a username never changes (the log names it); "select all" never approves requests unseen."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin

from accounts import services as accounts
from accounts.models import AccessGrant, GrantStatus
from administration.admin import MSG_CHOOSE_ON_PAGE, DeclaredFiltersOnly
from tests.administration.conftest import verified_admin_client

pytestmark = pytest.mark.django_db

USERS = "/admin/auth/user/"
AGENCIES = "/admin/cases/agency/"


@pytest.mark.parametrize(
    "url",
    [
        USERS + "?owned_cases={case}",
        USERS + "?case_memberships__isnull=False",
        USERS + "?emergency_accesses__isnull=False",
        USERS + "?owned_cases__id__gte={case}",
        USERS + "?staff_profile__agency__name__startswith=S",
        AGENCIES + "?staff__isnull=False",
        AGENCIES + "?name__startswith=S",
        "/admin/knox/authtoken/?token_key__startswith=a",
        "/admin/axes/accessattempt/?username__startswith=a",
        "/admin/accounts/accessgrant/?user__username__startswith=a",
    ],
)
def test_no_url_filter_reaches_past_the_declared_ones(url: str, case: Any, adam: Any) -> None:
    response = verified_admin_client(adam).get(url.format(case=case.pk))

    assert response.status_code == 400


@pytest.mark.parametrize(
    "url",
    [
        USERS + "?is_active__exact=1",
        USERS + "?is_staff__exact=0",
        AGENCIES + "?kind__exact=school",
        "/admin/accounts/accessgrant/?status__exact=pending",
        "/admin/axes/accessattempt/?attempt_time__gte=2026-01-01+00:00:00%2B01:00",
    ],
)
def test_the_declared_filters_still_work(url: str, adam: Any) -> None:
    assert verified_admin_client(adam).get(url).status_code == 200


def test_every_registered_admin_keeps_to_its_declared_filters() -> None:
    for model, model_admin in admin.site._registry.items():
        assert isinstance(model_admin, DeclaredFiltersOnly), model


def test_users_and_agencies_are_never_deleted(alice: Any, adam: Any, case: Any) -> None:
    client = verified_admin_client(adam)

    for url in (f"{USERS}{alice.pk}/delete/", f"{AGENCIES}{alice.staff_profile.agency_id}/delete/"):
        page = client.get(url)
        assert page.status_code == 403
        assert case.number not in page.content.decode()
        assert client.post(url, {"post": "yes"}).status_code == 403
    listing = client.get(USERS)
    assert "delete_selected" not in listing.content.decode()
    alice.refresh_from_db()


def test_a_username_never_changes_after_creation(alice: Any, adam: Any) -> None:
    client = verified_admin_client(adam)
    page = client.get(f"{USERS}{alice.pk}/change/")

    assert "username" not in page.context["adminform"].form.fields
    client.post(f"{USERS}{alice.pk}/change/", {"username": "carl", "first_name": "Alice", "is_active": "on"})
    alice.refresh_from_db()
    assert alice.username == "alice"


def test_select_all_across_pages_approves_nothing(alice: Any, adam: Any, bea: Any) -> None:
    grant = accounts.grant_request(actor=bea, user=alice, is_staff=True)

    response = verified_admin_client(adam).post(
        "/admin/accounts/accessgrant/",
        {"action": "approve", "select_across": "1", "_selected_action": [str(grant.pk)]},
    )

    assert str(MSG_CHOOSE_ON_PAGE) in [str(m) for m in response.wsgi_request._messages]
    assert AccessGrant.objects.get(pk=grant.pk).status == GrantStatus.PENDING
    alice.refresh_from_db()
    assert not alice.is_staff


def test_the_user_page_does_not_say_who_broke_the_glass(olle: Any, adam: Any, case: Any, client_for: Any) -> None:
    client_for(olle).post(f"/api/v1/cases/{case.pk}/emergency-access/", {"reason": "Akut läge, ingen i teamet nås"})
    olle.staff_profile.refresh_from_db()
    assert olle.staff_profile.emergency_until is not None

    page = verified_admin_client(adam).get(f"{USERS}{olle.pk}/change/")

    assert "emergency_until" not in page.content.decode()
    assert "nödåtkomst" not in page.content.decode().lower()


@pytest.mark.parametrize("username", ["аlice", "Alice", "alice bob", "x"])
def test_a_new_username_is_plain_lowercase_ascii(username: str, adam: Any) -> None:
    """An approver reads requests by username: "аlice" with a Cyrillic а must not pass for alice."""
    response = verified_admin_client(adam).post(
        USERS + "add/",
        {"username": username, "password1": "Ett-langt-losen-2026", "password2": "Ett-langt-losen-2026"},
    )

    assert response.status_code == 200
    assert not type(adam).objects.filter(username=username).exists()
