"""The list shows the caller's cases, identity only where it may be seen, in pages, at a fixed cost."""

from __future__ import annotations

from typing import Any

import pytest

from cases import services
from cases.models import Track
from tests.conftest import YOUTH, open_cases

pytestmark = pytest.mark.django_db

URL = "/api/v1/cases/"


def test_it_lists_only_the_callers_cases(case: Any, alice: Any, olle: Any, client_for: Any) -> None:
    open_cases(olle, 2)

    body = client_for(alice).get(URL).json()

    assert body["count"] == 1
    assert [item["number"] for item in body["results"]] == [case.number]
    assert body["results"][0]["youth"]["family_name"] == YOUTH["family_name"]
    assert set(body) == {"count", "next", "previous", "results"}


def test_other_agencies_see_their_cases_without_identity(case: Any, petra: Any, client_for: Any) -> None:
    body = client_for(petra).get(URL).json()

    assert body["count"] == 1
    assert "youth" not in body["results"][0]
    assert YOUTH["family_name"] not in str(body)


@pytest.mark.parametrize("role", ["audrey", "adam"])
def test_auditors_and_admins_list_nothing(
    case: Any, role: str, request: pytest.FixtureRequest, client_for: Any
) -> None:
    assert client_for(request.getfixturevalue(role)).get(URL).json()["count"] == 0


def test_filters_narrow_the_list(alice: Any, client_for: Any) -> None:
    open_cases(alice, 2, district="Mariefred")
    open_cases(alice, 1, track=Track.LINKOPING, district="Centrum")
    client = client_for(alice)

    assert client.get(URL, {"district": "Mariefred"}).json()["count"] == 2
    assert client.get(URL, {"track": "linkoping"}).json()["count"] == 1
    assert client.get(URL, {"status": "closed"}).json()["count"] == 0
    bad = client.get(URL, {"status": "maybe"})
    assert bad.status_code == 400
    assert set(bad.json()) == {"status"}


def test_pages_hold_50_and_link_onwards(alice: Any, client_for: Any) -> None:
    open_cases(alice, 52)

    first = client_for(alice).get(URL).json()

    assert first["count"] == 52
    assert len(first["results"]) == 50
    assert first["next"] is not None and first["previous"] is None


@pytest.mark.parametrize("rows", [3, 30])
def test_the_query_count_does_not_grow_with_rows(
    rows: int, alice: Any, client_for: Any, django_assert_max_num_queries: Any
) -> None:
    open_cases(alice, rows)
    client = client_for(alice)

    # token lookup, count, page (cases + keys + youths in one join), one insert of the audit
    # entries for the whole page, and the request's savepoint pair; nothing per row
    with django_assert_max_num_queries(6):
        response = client.get(URL)

    assert len(response.json()["results"]) == rows


@pytest.mark.parametrize("rows", [3, 30])
def test_another_agencys_list_does_not_grow_with_rows_either(
    rows: int, alice: Any, petra: Any, client_for: Any, django_assert_max_num_queries: Any
) -> None:
    """The police under consent: the consent state, the disclosure register and the youth's
    identity are read and written for the whole page at once, never per case."""
    from tests.consent.helpers import give

    for case in open_cases(alice, rows):
        services.guardian_add(actor=alice, case=case, data={"name": "Vårdnadshavare"})
        services.case_member_add(actor=alice, case=case, username=petra.username)
        give(alice, case, guardian=case.guardians.get(), categories=["identity"])
    client = client_for(petra)

    # token, count, page, consents, withdrawals, their parties, verified forms, custodians,
    # audit entries, disclosure register, and the request's savepoint pair
    with django_assert_max_num_queries(12):
        response = client.get(URL)

    results = response.json()["results"]
    assert len(results) == rows
    assert all(item["youth"]["family_name"] == YOUTH["family_name"] for item in results)
