from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from cases import services as case_services
from cases.models import Guardian, Track
from cases.querysets import bulk_writes_allowed
from consent.models import Consent, ConsentWithdrawal
from consent.policy import categories_for_case
from consent.services import (
    MSG_ALREADY_WITHDRAWN,
    MSG_GUARDIAN_NOT_ON_CASE,
    MSG_TOO_LONG,
    MSG_UNKNOWN_AGENCY,
    MSG_UNKNOWN_CATEGORY,
    MSG_UNTIL_BEFORE_FROM,
    MSG_UNTIL_PAST,
)
from tests.conftest import YOUTH, case_url
from tests.consent.helpers import ALL, give
from tests.factories import personal_number_for_age

pytestmark = pytest.mark.django_db


def guardian_of(case: Any) -> Guardian:
    return Guardian.objects.get(case=case)


def test_one_guardians_consent_shares_with_the_named_agencies(
    case: Any, alice: Any, petra: Any, sara: Any, client_for: Any
) -> None:
    give(alice, case, guardian=guardian_of(case), agencies=["police"], categories=["identity", "visits"])

    police = client_for(petra).get(case_url(case))
    school = client_for(sara).get(case_url(case))

    assert police.status_code == 200
    assert police.json()["youth"]["family_name"] == YOUTH["family_name"]
    assert "summary" not in police.json()  # notes were not consented
    assert police.json()["categories"] == ["identity", "visits"]
    assert school.status_code == 403
    assert school.json()["code"] == "consent_required"


def test_one_of_two_guardians_is_pending_and_shares_nothing(case: Any, alice: Any, petra: Any, client_for: Any) -> None:
    first = guardian_of(case)
    second = case_services.guardian_add(actor=alice, case=case, data={"name": "Jonas Exempelsson"})
    give(alice, case, guardian=first)

    assert client_for(petra).get(case_url(case)).status_code == 403
    listed = client_for(alice).get(case_url(case, "consents/")).json()
    assert [c["status"] for c in listed] == ["pending"]

    give(alice, case, guardian=second)

    assert client_for(petra).get(case_url(case)).status_code == 200
    assert [c["status"] for c in client_for(alice).get(case_url(case, "consents/")).json()] == ["active", "active"]


def test_withdrawal_takes_effect_on_the_next_request(case: Any, alice: Any, petra: Any, client_for: Any) -> None:
    consent = give(alice, case, guardian=guardian_of(case))
    police = client_for(petra)
    assert police.get(case_url(case)).status_code == 200

    response = client_for(alice).post(
        f"/api/v1/consents/{consent.pk}/withdraw/", {"reason": "Vårdnadshavaren ångrade sig"}
    )

    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"
    assert response.json()["withdrawal_reason"] == "Vårdnadshavaren ångrade sig"
    assert police.get(case_url(case)).status_code == 403
    again = client_for(alice).post(f"/api/v1/consents/{consent.pk}/withdraw/", {"reason": "igen"})
    assert again.status_code == 409
    assert again.json() == {"detail": str(MSG_ALREADY_WITHDRAWN), "code": "already_withdrawn"}
    assert ConsentWithdrawal.objects.count() == 1


def test_an_expired_consent_shares_nothing(case: Any, alice: Any, petra: Any, client_for: Any) -> None:
    consent = give(alice, case, guardian=guardian_of(case))
    with bulk_writes_allowed():  # time travel for the test
        Consent.objects.filter(pk=consent.pk).update(valid_until=timezone.now() - timedelta(seconds=1))

    assert client_for(petra).get(case_url(case)).status_code == 403
    assert [c["status"] for c in client_for(alice).get(case_url(case, "consents/")).json()] == ["expired"]


def test_a_case_without_guardians_shares_nothing_under_15(alice: Any, petra: Any, client_for: Any) -> None:
    lonely = case_services.case_open(
        actor=alice,
        track=Track.SSPF,
        youth={**YOUTH, "personal_number": personal_number_for_age(12, serial=321)},
        district="Centrum",
    )
    case_services.case_member_add(actor=alice, case=lonely, username="petra")

    assert client_for(petra).get(case_url(lonely)).status_code == 403


def test_on_the_15th_birthday_the_youths_own_consent_becomes_required(alice: Any, petra: Any) -> None:
    # Turned 14 forty days ago: 15 in about 325 days, within one consent period.
    youth_case = case_services.case_open(
        actor=alice,
        track=Track.SSPF,
        youth={**YOUTH, "personal_number": personal_number_for_age(14, serial=111)},
        guardians=[{"name": "Förälder"}],
        district="Centrum",
    )
    give(alice, youth_case, guardian=Guardian.objects.get(case=youth_case), days=360)
    profile = petra.staff_profile
    now = timezone.now()
    after_birthday = now + timedelta(days=330)

    assert categories_for_case(profile=profile, case=youth_case, at=now) == frozenset(ALL)
    assert categories_for_case(profile=profile, case=youth_case, at=after_birthday) == frozenset()

    give(alice, youth_case, days=360)  # the youth consents too

    assert categories_for_case(profile=profile, case=youth_case, at=after_birthday) == frozenset(ALL)


def test_at_18_guardians_no_longer_count(alice: Any, petra: Any, settings: Any) -> None:
    settings.SSPF_AGE_MAX = 21
    adult_case = case_services.case_open(
        actor=alice,
        track=Track.SSPF,
        youth={**YOUTH, "personal_number": personal_number_for_age(18, serial=222)},
        guardians=[{"name": "Förälder"}],
        district="Centrum",
    )
    give(alice, adult_case, guardian=Guardian.objects.get(case=adult_case))
    profile = petra.staff_profile

    assert categories_for_case(profile=profile, case=adult_case) == frozenset()
    give(alice, adult_case)
    assert categories_for_case(profile=profile, case=adult_case) == frozenset(ALL)


def test_adding_an_agency_to_the_team_does_not_extend_consent(
    case: Any, alice: Any, sara: Any, client_for: Any
) -> None:
    give(alice, case, guardian=guardian_of(case), agencies=["police"])

    assert client_for(sara).get(case_url(case)).status_code == 403


def valid_body(case: Any, **overrides: Any) -> dict[str, Any]:
    now = timezone.now()
    body = {
        "giver": "guardian",
        "guardian": str(guardian_of(case).pk),
        "agencies": ["police"],
        "categories": ["identity"],
        "valid_from": now.isoformat(),
        "valid_until": (now + timedelta(days=30)).isoformat(),
        "method": "written",
    }
    body.update(overrides)
    return body


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"valid_until": "2020-01-01T00:00:00+01:00"}, {"valid_until": [MSG_UNTIL_PAST, MSG_UNTIL_BEFORE_FROM]}),
        ({"agencies": ["police", "church"]}, {"agencies": [MSG_UNKNOWN_AGENCY.format(value="church")]}),
        ({"categories": ["gossip"]}, {"categories": [MSG_UNKNOWN_CATEGORY.format(value="gossip")]}),
        ({"guardian": "7f1c6a39-1ad4-4c53-9d8c-4c1b3a6e8c11"}, {"guardian": [MSG_GUARDIAN_NOT_ON_CASE]}),
    ],
)
def test_bad_consents_are_named_and_change_nothing(
    case: Any, alice: Any, client_for: Any, overrides: dict[str, Any], expected: dict[str, list[Any]]
) -> None:
    response = client_for(alice).post(case_url(case, "consents/"), valid_body(case, **overrides))

    assert response.status_code == 400
    assert response.json() == {field: [str(m) for m in messages] for field, messages in expected.items()}
    assert not Consent.objects.exists()


def test_a_consent_longer_than_the_maximum_is_refused(case: Any, alice: Any, client_for: Any) -> None:
    now = timezone.now()
    body = valid_body(case, valid_until=(now + timedelta(days=400)).isoformat())

    response = client_for(alice).post(case_url(case, "consents/"), body)

    assert response.status_code == 400
    assert response.json() == {"valid_until": [str(MSG_TOO_LONG.format(months=12))]}


def test_a_consent_is_recorded_with_its_evidence(case: Any, alice: Any, client_for: Any) -> None:
    response = client_for(alice).post(case_url(case, "consents/"), valid_body(case, document_reference="Pärm 3"))

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "active"
    assert body["document_reference"] == "Pärm 3"
    assert body["recorded_by"] == "alice"


@pytest.mark.parametrize("member", ["petra", "sara"])
def test_only_social_services_record_and_read_consents(
    case: Any, member: str, request: pytest.FixtureRequest, client_for: Any
) -> None:
    client = client_for(request.getfixturevalue(member))

    assert client.post(case_url(case, "consents/"), valid_body(case)).status_code == 403
    assert client.get(case_url(case, "consents/")).status_code == 403
    assert not Consent.objects.exists()


def test_the_report_command_lists_what_expires(case: Any, alice: Any) -> None:
    import json
    from io import StringIO

    from django.core.management import call_command

    soon = give(alice, case, guardian=guardian_of(case), days=5)
    out = StringIO()

    call_command("consent_report", "--days", "10", stdout=out, stderr=StringIO())

    assert [item["consent"] for item in json.loads(out.getvalue())["expiring"]] == [str(soon.pk)]


def test_seed_demo_runs_twice_and_shares_the_first_case(settings: Any) -> None:
    import json
    from io import StringIO

    from django.core.management import call_command

    settings.DEBUG = True
    first, second = StringIO(), StringIO()
    call_command("seed_demo", "--json", stdout=first)
    call_command("seed_demo", "--json", stdout=second)

    one, two = json.loads(first.getvalue()), json.loads(second.getvalue())
    assert [c["id"] for c in one["cases"]] == [c["id"] for c in two["cases"]]
    assert {u["role"] for u in two["users"]} >= {
        "social_worker",
        "coordinator",
        "police",
        "school",
        "leisure",
        "auditor",
        "admin",
    }
    assert Consent.objects.count() == 1
