"""Custody decides whose consent counts: every registered custodian; with joint custody two must
be registered; a child with no custodian registered shares nothing, whatever the youth signed;
a guardian who is not a custodian cannot consent. A pending consent says why (Kunskapsguiden,
"Samtycke"; SSPF practice)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from cases import services
from cases.models import Agency, AgencyKind, Case, Track
from consent import services as consent_services
from tests.conftest import YOUTH, case_url
from tests.consent.helpers import give
from tests.factories import personal_number_for_age

pytestmark = pytest.mark.django_db


def open_case(alice: Any, petra: Any, *, age: int, custody: str, guardians: list[dict[str, Any]]) -> Case:
    case = services.case_open(
        actor=alice,
        track=Track.SSPF,
        youth={**YOUTH, "personal_number": personal_number_for_age(age, serial=440 + age)},
        guardians=guardians,
        district="Centrum",
        custody=custody,
    )
    services.case_member_add(actor=alice, case=case, username=petra.username)
    return case


def police(case: Any) -> list[Agency]:
    return [Agency.objects.get(kind=AgencyKind.POLICE)]


def statuses(client: Any, case: Any) -> list[tuple[str, str | None]]:
    rows = client.get(case_url(case, "consents/")).json()
    return [(c["status"], (c["pending_reason"] or {}).get("code")) for c in rows]


def test_custody_is_set_on_opening_and_by_patch_and_shown_with_the_guardians(
    alice: Any, carl: Any, client_for: Any
) -> None:
    created = client_for(alice).post(
        "/api/v1/cases/",
        {
            "track": "sspf",
            "youth": {**YOUTH, "personal_number": personal_number_for_age(12, serial=301)},
            "guardians": [{"name": "Mamma"}, {"name": "Styvpappa", "custodian": False}],
            "district": "Centrum",
        },
        format="json",
    )
    body = created.json()
    patched = client_for(alice).patch(
        case_url(body["id"]), {"custody": "joint"}, format="json", HTTP_IF_MATCH=f'"{body["version"]}"'
    )

    assert created.status_code == 201
    assert (body["custody"], body["custody_unconfirmed"]) == ("unknown", True)
    assert [(g["name"], g["custodian"]) for g in body["guardians"]] == [("Mamma", True), ("Styvpappa", False)]
    assert patched.status_code == 200
    assert (patched.json()["custody"], patched.json()["custody_unconfirmed"]) == ("joint", False)


def test_joint_custody_with_one_custodian_registered_shares_nothing(
    alice: Any, carl: Any, petra: Any, client_for: Any
) -> None:
    case = open_case(alice, petra, age=12, custody="joint", guardians=[{"name": "Mamma"}])
    mother = case.guardians.get()
    give(alice, case, guardian=mother, parties=police(case), categories=["identity"])

    before = client_for(petra).get(case_url(case))
    pending = statuses(client_for(alice), case)
    father = services.guardian_add(actor=alice, case=case, data={"name": "Pappa"})
    give(alice, case, guardian=father, parties=police(case), categories=["identity"])
    after = client_for(petra).get(case_url(case))

    assert before.status_code == 403
    assert pending == [("pending", "second_custodian_missing")]
    assert after.status_code == 200
    assert statuses(client_for(alice), case) == [("active", None), ("active", None)]


def test_sole_custody_needs_the_one_custodian(alice: Any, carl: Any, petra: Any, client_for: Any) -> None:
    case = open_case(alice, petra, age=12, custody="sole", guardians=[{"name": "Mamma"}])
    give(alice, case, guardian=case.guardians.get(), parties=police(case), categories=["identity"])

    assert client_for(petra).get(case_url(case)).status_code == 200


def test_a_16_year_old_with_no_custodian_registered_shares_nothing_whatever_they_signed(
    alice: Any, carl: Any, petra: Any, client_for: Any
) -> None:
    case = open_case(alice, petra, age=16, custody="unknown", guardians=[{"name": "Farmor", "custodian": False}])
    give(alice, case, parties=police(case), categories=["identity"])  # the youth's own consent

    detail = client_for(petra).get(case_url(case))
    row = client_for(petra).get("/api/v1/cases/").json()["results"][0]
    consents = client_for(alice).get(case_url(case, "consents/")).json()

    assert detail.status_code == 403
    assert "youth" not in row
    assert consents[0]["status"] == "pending"
    assert consents[0]["pending_reason"]["code"] == "no_custodian"
    assert "vårdnadshavare" in consents[0]["pending_reason"]["message"]
    assert client_for(alice).get(case_url(case)).json()["consent_givers"] == {"required": [], "blocked": "no_custodian"}


def test_a_guardian_who_is_not_a_custodian_cannot_consent(alice: Any, carl: Any, petra: Any, client_for: Any) -> None:
    case = open_case(alice, petra, age=12, custody="unknown", guardians=[{"name": "Farmor", "custodian": False}])
    now = timezone.now()

    response = client_for(alice).post(
        case_url(case, "consents/"),
        {
            "giver": "guardian",
            "guardian": str(case.guardians.get().pk),
            "agencies": ["police"],
            "categories": ["identity"],
            "valid_from": now.isoformat(),
            "valid_until": (now + timedelta(days=30)).isoformat(),
            "method": "oral",
        },
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()) == ["guardian"]


def test_from_15_the_youths_own_consent_is_missing_until_given(
    alice: Any, carl: Any, petra: Any, client_for: Any
) -> None:
    case = open_case(alice, petra, age=16, custody="sole", guardians=[{"name": "Mamma"}])
    give(alice, case, guardian=case.guardians.get(), parties=police(case), categories=["identity"])

    before = statuses(client_for(alice), case)
    give(alice, case, parties=police(case), categories=["identity"])

    assert before == [("pending", "youth_consent_missing")]
    assert statuses(client_for(alice), case) == [("active", None), ("active", None)]
    assert client_for(petra).get(case_url(case)).status_code == 200


def test_a_consent_that_has_not_started_says_when_it_starts(alice: Any, carl: Any, petra: Any, client_for: Any) -> None:
    case = open_case(alice, petra, age=12, custody="sole", guardians=[{"name": "Mamma"}])
    start = timezone.now() + timedelta(days=30)
    consent_services.consent_record(
        actor=alice,
        case=case,
        giver="guardian",
        guardian=case.guardians.get().pk,
        parties=[a.pk for a in police(case)],
        categories=["identity"],
        valid_from=start,
        valid_until=start + timedelta(days=30),
        method="oral",
    )

    (consent,) = client_for(alice).get(case_url(case, "consents/")).json()

    assert consent["pending_reason"]["code"] == "not_started"
    assert timezone.localdate(start).isoformat() in consent["pending_reason"]["message"]


def test_at_18_the_list_the_detail_and_the_report_agree_that_the_guardians_consent_ended(
    alice: Any, carl: Any, petra: Any, client_for: Any
) -> None:
    case = open_case(alice, petra, age=18, custody="sole", guardians=[{"name": "Mamma"}])
    services.case_member_add(actor=alice, case=case, username=carl.username)
    give(alice, case, guardian=case.guardians.get(), parties=police(case), categories=["identity"])

    row = client_for(petra).get("/api/v1/cases/").json()["results"][0]
    detail = client_for(petra).get(case_url(case))
    consents = statuses(client_for(alice), case)
    givers = client_for(alice).get(case_url(case)).json()["consent_givers"]

    assert "youth" not in row
    assert detail.status_code == 403
    assert consents == [("pending", "youth_adult")]
    assert givers == {"required": [{"giver": "youth", "guardian": None}], "blocked": None}
