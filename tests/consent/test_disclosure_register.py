from __future__ import annotations

from typing import Any

import pytest

from cases import services as case_services
from cases.models import Guardian, Track
from consent.disclosures import (
    MSG_AGENCY_NOT_UNDER_PROVISION,
    MSG_ASSESSMENT_REQUIRED,
    MSG_CONDITION_UNMET,
    MSG_TOO_OLD,
    MSG_UNKNOWN_PROVISION,
)
from consent.models import Disclosure
from tests.conftest import YOUTH, case_url
from tests.consent.helpers import give
from tests.factories import personal_number_for_age

pytestmark = pytest.mark.django_db

ASSESSMENT = "Särskilda omständigheter: upprepade iakttagelser, bedömd risk för brottslig verksamhet."
BODY = {
    "agency": "police",
    "provision": "osl-10-18a",
    "conditions": {"likely_criminal_activity": True, "helps_prevent": True, "not_unsuitable": True},
    "assessment": ASSESSMENT,
    "information": "Uppgift om umgänge",
    "categories": ["notes"],
}


def test_a_statutory_disclosure_is_registered_with_its_assessment(case: Any, alice: Any, client_for: Any) -> None:
    response = client_for(alice).post(case_url(case, "disclosures/"), BODY)

    assert response.status_code == 201
    body = response.json()
    assert body["basis"] == "statute"
    assert body["provision"] == "osl-10-18a"
    assert body["assessment"] == ASSESSMENT
    assert body["conditions"] == BODY["conditions"]
    listed = client_for(alice).get(case_url(case, "disclosures/")).json()
    assert [row["id"] for row in listed["results"]] == [body["id"]]


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (
            {"conditions": {"likely_criminal_activity": True, "helps_prevent": True}},
            {"conditions": [MSG_CONDITION_UNMET]},
        ),
        ({"agency": "school"}, {"agency": [MSG_AGENCY_NOT_UNDER_PROVISION]}),
        ({"provision": "osl-99"}, {"provision": [MSG_UNKNOWN_PROVISION]}),
    ],
)
def test_a_statutory_disclosure_must_meet_the_provision(
    case: Any, alice: Any, client_for: Any, overrides: dict[str, Any], expected: dict[str, list[Any]]
) -> None:
    response = client_for(alice).post(case_url(case, "disclosures/"), {**BODY, **overrides})

    assert response.status_code == 400
    assert response.json() == {k: [str(m) for m in v] for k, v in expected.items()}
    assert not Disclosure.objects.exists()


def test_18a_is_only_for_people_under_21(alice: Any, client_for: Any, settings: Any) -> None:
    settings.SSPF_AGE_MAX = 25
    older = case_services.case_open(
        actor=alice,
        track=Track.SSPF,
        youth={**YOUTH, "personal_number": personal_number_for_age(21, serial=777)},
        district="Centrum",
    )

    response = client_for(alice).post(case_url(older, "disclosures/"), BODY)

    assert response.json() == {"provision": [str(MSG_TOO_OLD.format(age=21))]}


def test_showing_content_to_another_agency_is_registered_with_its_consents(
    case: Any, alice: Any, petra: Any, client_for: Any
) -> None:
    consent = give(alice, case, guardian=Guardian.objects.get(case=case), agencies=["police"], categories=["identity"])

    client_for(petra).get(case_url(case))
    client_for(alice).get(case_url(case))  # social services: not a disclosure

    row = Disclosure.objects.get()
    assert (row.basis, row.agency, row.categories, row.consents) == (
        "consent",
        "police",
        ["identity"],
        [str(consent.pk)],
    )
    assert row.user == petra


def test_auditors_read_the_register_without_content(case: Any, alice: Any, audrey: Any, client_for: Any) -> None:
    client_for(alice).post(case_url(case, "disclosures/"), BODY)

    response = client_for(audrey).get("/api/v1/disclosures/", {"case": case.number})

    assert response.status_code == 200
    assert response.json()["count"] == 1
    row = response.json()["results"][0]
    assert row["case_number"] == case.number
    assert "assessment" not in row and "information" not in row
    assert ASSESSMENT not in response.content.decode()
    assert client_for(audrey).get("/api/v1/disclosures/", {"case": str(case.pk)}).json()["count"] == 1


@pytest.mark.parametrize("user", ["alice", "carl", "petra"])
def test_only_auditors_read_the_whole_register(user: str, request: pytest.FixtureRequest, client_for: Any) -> None:
    assert client_for(request.getfixturevalue(user)).get("/api/v1/disclosures/").status_code == 403


def test_the_service_refuses_a_disclosure_without_assessment(case: Any, alice: Any) -> None:
    from django.core.exceptions import ValidationError

    from consent.disclosures import disclosure_record_statutory

    with pytest.raises(ValidationError) as caught:
        disclosure_record_statutory(
            actor=alice,
            case=case,
            **{**BODY, "assessment": "   "},  # type: ignore[arg-type]
        )

    assert caught.value.message_dict == {"assessment": [str(MSG_ASSESSMENT_REQUIRED)]}


def test_one_page_of_visits_is_one_disclosure_per_basis(
    linkoping_case: Any, alice: Any, petra: Any, client_for: Any
) -> None:
    """A school reading visits under consent: one row for the visits (with social services' own
    notes on them), not a second one on the same consents for those notes."""
    from consent.models import Disclosure
    from tests.consent.helpers import give, guardian_of

    client_for(alice).post(
        case_url(linkoping_case, "visits/"),
        {
            "occurred_at": "2026-11-01T10:00:00+01:00",
            "participants": ["alice", "petra"],
            "present": ["youth"],
            "basis": "Grund",
            "notes": "Socialtjänstens egna iakttagelser",
            "outcome": "Utfall",
            "informed_voluntary": True,
        },
        format="json",
    )
    case = linkoping_case
    give(alice, case, guardian=guardian_of(case), agencies=["school"], categories=["visits"])
    give(alice, case, categories=["visits"], agencies=["school"])  # the youth (16) consents too
    from cases.models import CaseMember

    school_member = CaseMember.objects.get(case=case, user__username="sara").user
    Disclosure.objects.all().delete()

    response = client_for(school_member).get(case_url(case, "visits/"))

    assert response.status_code == 200
    assert "Socialtjänstens egna iakttagelser" in response.content.decode()
    assert Disclosure.objects.filter(case=case).count() == 1
