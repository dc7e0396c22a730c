"""School, police, leisure and social services file referrals; nobody else does. The answer is
the number and status, never the content; every bad field is named and none is repeated."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cases import services as case_services
from cases.models import Track, Youth
from cases.personnummer import MSG_CHECKSUM
from referrals import services
from referrals.models import Referral, ReferralStatus
from referrals.services import MSG_REFERRAL_ROLES, MSG_REQUIRED
from tests.referrals.helpers import CONCERN, FAMILY, GIVEN, URL, file, pnr, youth

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("reporter", ["alice", "carl", "petra", "sara", "leo"])
def test_each_agency_files_a_referral(reporter: str, request: pytest.FixtureRequest, client_for: Any) -> None:
    user = request.getfixturevalue(reporter)

    response = client_for(user).post(URL, {"youth": youth(), "concern": CONCERN}, format="json")

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "number", "status", "received_at"}
    assert body["status"] == "received"
    referral = Referral.objects.select_related("key").get(pk=body["id"])
    assert referral.number == body["number"]
    assert referral.reporter == user
    assert referral.reporter_agency == user.staff_profile.agency  # the source in the statistics
    assert (referral.given_name, referral.family_name, referral.concern) == (GIVEN, FAMILY, CONCERN)
    assert referral.urgent is False
    assert referral.status == ReferralStatus.RECEIVED


@pytest.mark.parametrize("role", ["audrey", "adam"])
def test_auditors_and_admins_cannot_file(role: str, request: pytest.FixtureRequest, client_for: Any) -> None:
    response = client_for(request.getfixturevalue(role)).post(
        URL, {"youth": youth(), "concern": CONCERN}, format="json"
    )

    assert response.status_code == 403
    assert response.json() == {"detail": str(MSG_REFERRAL_ROLES), "code": "permission_denied"}
    assert not Referral.objects.exists()


def test_the_service_refuses_an_auditor_too(audrey: Any) -> None:
    with pytest.raises(PermissionDenied):
        file(audrey)


def test_anonymous_callers_are_refused(client_for: Any, agencies: Any) -> None:
    assert client_for(None).post(URL, {"youth": youth(), "concern": CONCERN}, format="json").status_code == 401


def test_numbers_count_up_per_year_and_carry_no_personal_data(sara: Any, petra: Any) -> None:
    year = timezone.localdate().year

    first, second = file(sara), file(petra, serial=202)

    assert (first.number, second.number) == (f"ORO-{year}-0001", f"ORO-{year}-0002")


def test_urgent_is_kept(sara: Any, client_for: Any) -> None:
    response = client_for(sara).post(URL, {"youth": youth(), "concern": CONCERN, "urgent": True}, format="json")

    assert Referral.objects.get(pk=response.json()["id"]).urgent is True


def test_the_personal_number_is_stored_normalised(sara: Any) -> None:
    typed = pnr()  # YYYYMMDD-NNNN
    short = typed[2:]  # YYMMDD-NNNN

    referral = services.referral_file(
        actor=sara, youth={"personal_number": short, "given_name": GIVEN, "family_name": FAMILY}, concern=CONCERN
    )

    assert Referral.objects.select_related("key").get(pk=referral.pk).personal_number == typed.replace("-", "")


def test_its_blind_index_matches_the_youth_of_a_case_about_the_same_person(alice: Any, sara: Any) -> None:
    case = case_services.case_open(actor=alice, track=Track.SSPF, youth=youth(), district="Centrum")

    referral = file(sara)

    assert referral.personal_number_index == Youth.objects.get(case=case).personal_number_index


def test_an_empty_body_names_every_field(sara: Any, client_for: Any) -> None:
    response = client_for(sara).post(URL, {}, format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"youth", "concern"}


def test_a_bad_personal_number_is_named_and_not_repeated(sara: Any, client_for: Any) -> None:
    typed = pnr()
    wrong = typed[:-1] + str((int(typed[-1]) + 1) % 10)  # the check digit is off by one

    response = client_for(sara).post(
        URL, {"youth": {**youth(), "personal_number": wrong}, "concern": CONCERN}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"youth": {"personal_number": [str(MSG_CHECKSUM)]}}
    assert wrong not in response.content.decode()
    assert wrong.replace("-", "")[2:] not in response.content.decode()
    assert not Referral.objects.exists()


def test_the_service_names_each_blank_field_at_once(sara: Any) -> None:
    with pytest.raises(ValidationError) as raised:
        services.referral_file(
            actor=sara, youth={"personal_number": "", "given_name": " ", "family_name": ""}, concern="  "
        )

    assert set(raised.value.message_dict) == {
        "youth.personal_number",
        "youth.given_name",
        "youth.family_name",
        "concern",
    }
    assert raised.value.message_dict["concern"] == [str(MSG_REQUIRED)]
    assert not Referral.objects.exists()
