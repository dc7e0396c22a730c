"""No personal data in a referral URL or a log line: the routes take ids only, the page links
carry only the page, the personal number travels in request bodies, and nothing a referral
holds is logged, not even when a request fails."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.urls import URLPattern, get_resolver

from tests.referrals.helpers import CONCERN, FAMILY, GIVEN, REASON, URL, decide_url, detail_url, file, pnr_forms, youth

pytestmark = pytest.mark.django_db


def test_the_referral_routes_take_ids_only() -> None:
    patterns = [
        str(p.pattern)
        for p in get_resolver().url_patterns
        if isinstance(p, URLPattern) and str(p.pattern).startswith("api/v1/referrals/")
    ]

    assert sorted(patterns) == [
        "api/v1/referrals/",
        "api/v1/referrals/<uuid:referral_id>/",
        "api/v1/referrals/<uuid:referral_id>/decide/",
    ]


def test_page_links_carry_the_page_only(sara: Any, alice: Any, client_for: Any) -> None:
    for n in range(3):
        file(sara, serial=201 + n)

    body = client_for(alice).get(URL, {"page_size": 1, "page": 2}).json()

    for link in (body["next"], body["previous"]):
        assert link is not None
        assert all(value not in link for value in pnr_forms())
        assert set(link.split("?", 1)[1].replace("&", "=").split("=")[::2]) <= {"page", "page_size"}


def test_the_schema_describes_the_referral_routes_and_the_lookup(client_for: Any) -> None:
    response = client_for(None).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    paths = response.json()["paths"]
    assert {"/api/v1/referrals/", "/api/v1/referrals/{referral_id}/", "/api/v1/referrals/{referral_id}/decide/"} <= set(
        paths
    )
    lookup = response.json()["components"]["schemas"]["YouthLookupOutput"]
    assert set(lookup["properties"]) == {"cases", "referrals"}


def test_nothing_a_referral_holds_is_logged(
    sara: Any, alice: Any, client_for: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        created = client_for(sara).post(URL, {"youth": youth(), "concern": CONCERN}, format="json").json()
        typed = youth()["personal_number"]
        wrong = {**youth(), "personal_number": typed[:-1] + str((int(typed[-1]) + 1) % 10)}
        client_for(sara).post(URL, {"youth": wrong, "concern": CONCERN}, format="json")
        client = client_for(alice)
        client.get(URL)
        client.post(decide_url(created["id"]), {"decision": "no_action", "reason": REASON}, format="json")
        client.post(decide_url(created["id"]), {"decision": "no_action", "reason": REASON}, format="json")
        client_for(sara).get(detail_url(created["id"]))

    logged = caplog.text + "\n".join(str(record.args) for record in caplog.records)
    for value in (CONCERN, REASON, GIVEN, FAMILY, *pnr_forms(), wrong["personal_number"]):
        assert value not in logged
