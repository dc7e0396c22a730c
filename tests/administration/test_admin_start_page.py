"""The admin as administrators meet it: the web UI's colours and Swedish words, what waits for a
second administrator on its start page, and the enrolment page's address beside the one-time code
(never the code in a URL)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from accounts.models import AccessGrant
from tests.administration.conftest import verified_admin_client
from tests.administration.test_grants_need_a_second_administrator import GRANTS, _decide, _request, newcomer

pytestmark = pytest.mark.django_db

__all__ = ["newcomer"]  # fixtures


def test_the_start_page_counts_what_waits_for_each_administrator(adam: Any, bea: Any, newcomer: Any) -> None:
    _request(verified_admin_client(adam), newcomer, enrolment="on")
    other = get_user_model().objects.create_user(username="olle", password="x" * 20)
    _request(verified_admin_client(bea), other, enrolment="on")

    adam_page = verified_admin_client(adam).get("/admin/").content.decode()
    bea_page = verified_admin_client(bea).get("/admin/").content.decode()

    # Each sees the other's request as theirs to decide, and their own as waiting.
    for page in (adam_page, bea_page):
        assert "1 behörighetsbeslut att godkänna eller avslå" in page
        assert f'href="{GRANTS}?status__exact=pending"' in page
        assert "1 av dina begäranden väntar på en annan administratör." in page

    _decide(verified_admin_client(bea), AccessGrant.objects.get(user=newcomer), "approve")
    assert "Inga behörighetsbeslut väntar på dig." in verified_admin_client(bea).get("/admin/").content.decode()


def test_the_admin_wears_the_web_uis_colours_in_swedish_without_a_theme_switch(adam: Any) -> None:
    page = verified_admin_client(adam).get("/admin/")
    html = page.content.decode()

    assert "/static/administration/admin.css" in html
    assert "dark_mode.css" not in html and "theme-toggle" not in html
    assert "SSPF-samordning: administration" in html
    assert "Väntar på en andra administratör" in html
    assert "Content-Security-Policy" in page.headers  # the admin is under the same policy as the UI


def test_the_approver_gets_the_enrolment_address_and_the_code_stays_out_of_it(
    adam: Any, bea: Any, newcomer: Any
) -> None:
    _request(verified_admin_client(adam), newcomer, enrolment="on")

    page = _decide(verified_admin_client(bea), AccessGrant.objects.get(user=newcomer), "approve")
    html = page.content.decode()

    code = re.search(r"<code>([^<]+)</code>", html).group(1)
    links = re.findall(r'href="([^"]+)"', html)
    assert "http://testserver/enrol/" in links
    assert not any(code in link for link in links)
