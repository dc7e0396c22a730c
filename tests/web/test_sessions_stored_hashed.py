"""Browser sessions are stored under a hash of their key (accounts/sessions.py): the session
table, a replica or a backup holds nothing that works as a cookie."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client

from accounts.sessions import stored_key

pytestmark = pytest.mark.django_db


def sessions_of(user: Any) -> list[Session]:
    return [s for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(user.pk)]


def test_the_session_table_never_holds_the_cookies_key(alice: Any, browser_for: Any) -> None:
    browser = browser_for(alice)
    key = browser.cookies[settings.SESSION_COOKIE_NAME].value

    assert browser.get("/start/").status_code == 200  # signed in through the hashed row
    stored = [s.session_key for s in sessions_of(alice)]
    assert stored == [stored_key(key)]
    assert key not in Session.objects.values_list("session_key", flat=True)


def test_a_key_read_from_the_database_signs_nobody_in(alice: Any, browser_for: Any) -> None:
    browser = browser_for(alice)
    (row,) = sessions_of(alice)
    thief = Client()
    thief.cookies[settings.SESSION_COOKIE_NAME] = row.session_key

    response = thief.get("/start/")

    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert browser.get("/start/").status_code == 200  # the real cookie still works


def test_signing_in_again_and_signing_out_leave_no_row_of_the_user(alice: Any, browser_for: Any) -> None:
    browser = browser_for(alice)
    first = browser.cookies[settings.SESSION_COOKIE_NAME].value
    browser.get("/start/")

    browser.post("/logout/")

    assert sessions_of(alice) == []
    assert not Session.objects.filter(session_key=stored_key(first)).exists()
    assert browser.get("/start/").status_code == 302
