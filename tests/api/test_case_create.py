from __future__ import annotations

import re
from typing import Any

import pytest

from cases.models import Case, CaseMember, Guardian, Youth
from cases.personnummer import MSG_CHECKSUM
from cases.services import MSG_AGE_TRACK, MSG_SOCIAL_SERVICES_ONLY
from tests.factories import personal_number_for_age

pytestmark = pytest.mark.django_db

URL = "/api/v1/cases/"


def payload(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "track": "sspf",
        "youth": {
            "personal_number": personal_number_for_age(13, serial=202),
            "given_name": "Sam",
            "family_name": "Provsson",
            "address": "Testvägen 3",
        },
        "guardians": [{"name": "Eva Provsson", "phone": "070-111 11 11"}, {"name": "Nils Provsson"}],
        "district": "Mariefred",
        "summary": "Skolan oroar sig.",
    }
    body.update(overrides)
    return body


def test_a_social_worker_opens_a_case(alice: Any, client_for: Any) -> None:
    response = client_for(alice).post(URL, payload())

    assert response.status_code == 201
    body = response.json()
    assert re.fullmatch(r"SSPF-\d{4}-\d{4}", body["number"])
    assert body["status"] == "open"
    assert body["version"] == 1
    assert body["youth"]["personal_number"] == payload()["youth"]["personal_number"].replace("-", "")
    assert [g["name"] for g in body["guardians"]] == ["Eva Provsson", "Nils Provsson"]
    assert [m["username"] for m in body["members"]] == ["alice"]
    case = Case.objects.get(pk=body["id"])
    assert case.owner == alice
    assert Guardian.objects.filter(case=case).count() == 2


def test_short_and_long_formats_are_stored_the_same(alice: Any, client_for: Any) -> None:
    long_form = personal_number_for_age(13, serial=303)
    short_form = long_form[2:]

    body = client_for(alice).post(URL, payload(youth={**payload()["youth"], "personal_number": short_form})).json()

    assert body["youth"]["personal_number"] == long_form.replace("-", "")


def test_numbers_count_up_per_track(alice: Any, client_for: Any) -> None:
    client = client_for(alice)
    first = client.post(URL, payload()).json()["number"]
    second = client.post(URL, payload()).json()["number"]
    linkoping = client.post(
        URL,
        payload(track="linkoping", youth={**payload()["youth"], "personal_number": personal_number_for_age(16)}),
    ).json()["number"]

    assert int(second[-4:]) == int(first[-4:]) + 1
    assert linkoping.startswith("LKP-") and linkoping.endswith("-0001")


def test_a_bad_check_digit_is_named_and_nothing_is_saved(alice: Any, client_for: Any) -> None:
    good = personal_number_for_age(13, serial=404)
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)

    response = client_for(alice).post(URL, payload(youth={**payload()["youth"], "personal_number": bad}))

    assert response.status_code == 400
    assert response.json() == {"youth": {"personal_number": [str(MSG_CHECKSUM)]}}
    assert not Case.objects.exists() and not Youth.objects.exists()


def test_linkoping_needs_a_youth_of_15_to_17(alice: Any, client_for: Any) -> None:
    too_young = payload(track="linkoping", youth={**payload()["youth"], "personal_number": personal_number_for_age(13)})

    response = client_for(alice).post(URL, too_young)

    assert response.status_code == 400
    assert response.json() == {"youth": {"personal_number": [MSG_AGE_TRACK.format(low=15, high=17)]}}
    assert not Case.objects.exists()


def test_every_invalid_field_is_named(alice: Any, client_for: Any) -> None:
    response = client_for(alice).post(URL, {"track": "other", "youth": {"given_name": ""}, "guardians": [{}]})

    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"track", "youth", "district", "guardians"}
    assert set(body["youth"]) == {"personal_number", "given_name", "family_name"}


@pytest.mark.parametrize("role", ["petra", "sara", "leo", "audrey", "adam"])
def test_only_social_services_open_cases(role: str, request: pytest.FixtureRequest, client_for: Any) -> None:
    response = client_for(request.getfixturevalue(role)).post(URL, payload())

    assert response.status_code == 403
    assert response.json() == {"detail": str(MSG_SOCIAL_SERVICES_ONLY), "code": "permission_denied"}
    assert not Case.objects.exists()


def test_an_oversized_body_is_refused(alice: Any, client_for: Any) -> None:
    response = client_for(alice).post(URL, payload(summary="x" * (1024 * 1024 + 1)))

    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"
    assert not Case.objects.exists()


def test_malformed_json_is_a_400(alice: Any, client_for: Any) -> None:
    response = client_for(alice).generic("POST", URL, "{not json", content_type="application/json")

    assert response.status_code == 400
    assert "{not json" not in response.content.decode()


def test_the_opener_joins_the_team(alice: Any, client_for: Any) -> None:
    body = client_for(alice).post(URL, payload()).json()

    assert CaseMember.objects.filter(case_id=body["id"], user=alice).exists()
    assert alice.has_perm("cases.view_case", Case.objects.get(pk=body["id"]))
