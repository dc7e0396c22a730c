"""The registerutdrag holds every item and every access of its case, and nothing of other cases."""

from __future__ import annotations

import json
from typing import Any

import pytest
from rest_framework.test import APIClient

from audit.models import AuditEntry
from cases import services
from cases.models import Guardian
from tests.conftest import YOUTH, case_url
from tests.consent.helpers import give
from tests.factories import personal_number_for_age

pytestmark = pytest.mark.django_db


def test_the_report_holds_everything_and_every_access(
    case: Any, alice: Any, carl: Any, petra: Any, client_for: Any
) -> None:
    give(alice, case, guardian=Guardian.objects.get(case=case), agencies=["police"], categories=["identity"])
    services.note_add(actor=alice, case=case, category="notes", text="Anteckning i rapporten")
    services.meeting_record(
        actor=carl,
        case=case,
        held_at=case.opened_at,
        notes="Möte i rapporten",
        actions=[{"agency": "school", "responsible": "Mentor", "action": "Följa upp närvaro"}],
    )
    client_for(petra).get(case_url(case))  # an access by the police
    other = services.case_open(
        actor=alice,
        track="sspf",
        district="Centrum",
        summary="ANNAT ÄRENDE",
        youth={
            "personal_number": personal_number_for_age(12, serial=999),
            "given_name": "Annan",
            "family_name": "Person",
        },
    )
    services.note_add(actor=alice, case=other, category="notes", text="ANNAN ANTECKNING")

    response = client_for(alice).get(case_url(case, "subject-report"))

    assert response.status_code == 200
    body = response.json()
    text = json.dumps(body, ensure_ascii=False)
    for expected in [
        YOUTH["family_name"],
        "Maria Exempelsson",
        "Anteckning i rapporten",
        "Möte i rapporten",
        "Följa upp närvaro",
        "Orosanmälan från skolan om frånvaro.",
    ]:
        assert expected in text
    assert [c["status"] for c in body["consents"]] == ["active"]
    assert ("petra", "access") in {(a["actor"], a["event"]) for a in body["accesses"]}
    for foreign in ("ANNAT ÄRENDE", "ANNAN ANTECKNING", "Annan", other.number):
        assert foreign not in text
    assert AuditEntry.objects.filter(event="export", case_number=case.number, fields_shown=["subject_report"]).exists()


def test_the_report_prints_in_swedish(case: Any, alice: Any, client_for: Any) -> None:
    response = client_for(alice).get(case_url(case, "subject-report"), {"format": "html"})

    assert response.status_code == 200
    html = response.content.decode()
    assert response["Content-Type"].startswith("text/html")
    assert '<html lang="sv">' in html
    assert YOUTH["family_name"] in html


@pytest.mark.parametrize("member", ["petra", "sara"])
def test_only_social_services_produce_it(
    case: Any, member: str, request: pytest.FixtureRequest, client_for: Any
) -> None:
    assert client_for(request.getfixturevalue(member)).get(case_url(case, "subject-report")).status_code == 403


def test_another_agencys_own_information_is_counted_not_shown_until_consent_names_it(
    case: Any, alice: Any, petra: Any, client_for: Any
) -> None:
    services.note_add(actor=petra, case=case, category="notes", text="POLISENS EGEN UPPGIFT")
    give(alice, case, guardian=Guardian.objects.get(case=case), agencies=["police"], categories=["identity"])

    before = client_for(alice).get(case_url(case, "subject-report"))
    html = client_for(alice).get(case_url(case, "subject-report"), {"format": "html"}).content.decode()
    give(alice, case, guardian=Guardian.objects.get(case=case), agencies=["police"], categories=["notes"])
    after = client_for(alice).get(case_url(case, "subject-report"))

    assert "POLISENS EGEN UPPGIFT" not in before.content.decode()
    assert before.json()["withheld"] == {"notes": 1, "visit_notes": 0, "police_links": 0}
    assert "POLISENS EGEN UPPGIFT" not in html
    assert "Polisen" in html  # the consent's parties, by name
    assert "POLISENS EGEN UPPGIFT" in after.content.decode()
    assert after.json()["withheld"]["notes"] == 0


def test_the_report_holds_the_concerns_reported_about_the_person(
    case: Any, alice: Any, sara: Any, client_for: Any
) -> None:
    from referrals import services as referral_services

    youth = case.youth
    referral_services.referral_file(
        actor=sara,
        youth={"personal_number": youth.personal_number, "given_name": "Kim", "family_name": "X"},
        concern="SKOLANS OROSANMÄLAN",
    )
    referral_services.referral_file(
        actor=sara,
        youth={"personal_number": personal_number_for_age(12, serial=998), "given_name": "A", "family_name": "B"},
        concern="ANNAN PERSONS ANMÄLAN",
    )

    body = client_for(alice).get(case_url(case, "subject-report")).json()

    assert [(r["concern"], r["from"], r["status"]) for r in body["referrals"]] == [
        ("SKOLANS OROSANMÄLAN", "Skolan", "received")
    ]
    assert "ANNAN PERSONS ANMÄLAN" not in json.dumps(body)


def test_options_on_the_printable_report_describes_it_in_json(case: Any, alice: Any) -> None:
    # The HTML renderer has no template for DRF's description of the view: it was a 500 (the fuzzer).
    # OPTIONS is no operation of the schema, so the plain client (client_for checks against it).
    client = APIClient()
    client.force_authenticate(alice)
    response = client.options(case_url(case, "subject-report") + "?format=html")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["name"]
