"""The API docs page and its assets are served from here, with no CDN."""

from __future__ import annotations

import pytest

from tests.contract import ConformingClient

pytestmark = pytest.mark.django_db


def test_the_docs_page_uses_no_cdn() -> None:
    page = ConformingClient().get("/api/docs/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "cdn" not in html.lower()
    assert "/static/drf_spectacular_sidecar/" in html
    asset = ConformingClient().get("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
    assert asset.status_code == 200
