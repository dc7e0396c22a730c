"""Every page renders for the role it is for (server side; the browser stories are in
tests/web/test_browser_stories.py)."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.mark.django_db
def test_pages_render_for_a_social_worker(alice: Any, case: Any, linkoping_case: Any, browser_for: Any) -> None:
    client = browser_for(alice)
    for url in [
        "/start/",
        "/cases/",
        f"/cases/{case.pk}/",
        f"/cases/{linkoping_case.pk}/",
        "/cases/new/",
        f"/cases/{case.pk}/consents/new/",
        f"/cases/{case.pk}/meetings/new/",
        f"/cases/{linkoping_case.pk}/visits/new/",
        f"/cases/{case.pk}/notes/new/",
        f"/cases/{case.pk}/close/",
        f"/cases/{case.pk}/guardians/",
        "/referrals/",
        "/referrals/new/",
        "/emergency/",
    ]:
        response = client.get(url)
        assert response.status_code == 200, (url, response.content.decode()[:3000])
