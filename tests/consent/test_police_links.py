"""The police link a case to their own records under consent; the links are the police's own
information: social services read them under a consent naming the police for notes, and a
withdrawal hides them from everyone."""

from __future__ import annotations

from typing import Any

import pytest

from cases.models import Guardian, PoliceLink
from tests.conftest import case_url
from tests.consent.helpers import give

pytestmark = pytest.mark.django_db

LINK = {"reference": "5000-K123456-26"}


def test_police_link_a_case_under_consent(case: Any, alice: Any, petra: Any, client_for: Any) -> None:
    give(alice, case, guardian=Guardian.objects.get(case=case), agencies=["police"], categories=["visits"])

    created = client_for(petra).post(case_url(case, "police-links/"), LINK)
    without_notes = client_for(alice).get(case_url(case, "police-links/")).json()["count"]
    give(alice, case, guardian=Guardian.objects.get(case=case), agencies=["police"], categories=["notes"])

    assert created.status_code == 201
    assert created.json()["reference"] == LINK["reference"]
    assert created.json()["linked_by"] == "petra"
    assert without_notes == 0  # the police's own information: not shared under visits alone
    assert client_for(alice).get(case_url(case, "police-links/")).json()["count"] == 1


def test_police_cannot_link_without_consent(case: Any, petra: Any, client_for: Any) -> None:
    response = client_for(petra).post(case_url(case, "police-links/"), LINK)

    assert response.status_code == 403
    assert response.json()["code"] == "consent_required"
    assert not PoliceLink.objects.exists()


def test_a_withdrawal_hides_the_links_from_the_police(case: Any, alice: Any, petra: Any, client_for: Any) -> None:
    consent = give(alice, case, guardian=Guardian.objects.get(case=case), agencies=["police"])
    client_for(petra).post(case_url(case, "police-links/"), LINK)
    client_for(alice).post(f"/api/v1/consents/{consent.pk}/withdraw/", {"reason": "Återkallat"})

    response = client_for(petra).get(case_url(case, "police-links/"))

    assert response.status_code == 403
    assert LINK["reference"] not in response.content.decode()
    assert client_for(alice).get(case_url(case, "police-links/")).json()["count"] == 0


@pytest.mark.parametrize("member", ["alice", "sara"])
def test_only_the_police_link(case: Any, member: str, request: pytest.FixtureRequest, client_for: Any) -> None:
    give(request.getfixturevalue("alice"), case, guardian=Guardian.objects.get(case=case))

    assert client_for(request.getfixturevalue(member)).post(case_url(case, "police-links/"), LINK).status_code == 403


@pytest.mark.parametrize("member", ["sara", "leo"])
def test_school_and_leisure_never_read_the_links(
    case: Any, alice: Any, petra: Any, member: str, request: pytest.FixtureRequest, client_for: Any
) -> None:
    give(alice, case, guardian=Guardian.objects.get(case=case))  # every category, every agency
    client_for(petra).post(case_url(case, "police-links/"), LINK)

    response = client_for(request.getfixturevalue(member)).get(case_url(case, "police-links/"))

    assert response.status_code == 403
    assert LINK["reference"] not in response.content.decode()
