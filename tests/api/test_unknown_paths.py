"""A path that exists nowhere is answered with the API's JSON 404."""

from __future__ import annotations

import pytest

from tests.contract import ConformingClient

pytestmark = pytest.mark.django_db


def test_an_unknown_path_is_json_404() -> None:
    response = ConformingClient().get("/api/v1/nowhere")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_an_unknown_page_is_the_web_uis_404() -> None:
    response = ConformingClient().get("/nowhere")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
