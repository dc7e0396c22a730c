"""The results report: referrals by source and decision, cases by outcome, screenings, meetings
by kind, action items done and overdue, unique youths, per district where asked; small counts
suppressed; a finished year frozen by a coordinator stays as signed off after a purge."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from auditlog.context import disable_auditlog
from django.test import override_settings
from django.utils import timezone

from cases import services
from cases.models import Case, Meeting, Track
from cases.querysets import bulk_writes_allowed
from oversight.models import FrozenYear
from referrals import services as referral_services
from tests.conftest import YOUTH
from tests.factories import personal_number_for_age

pytestmark = pytest.mark.django_db


def youth(serial: int, age: int = 13) -> dict[str, str]:
    return {**YOUTH, "personal_number": personal_number_for_age(age, serial=serial)}


def test_the_report_counts_what_the_municipality_reports(
    alice: Any, carl: Any, sara: Any, petra: Any, client_for: Any
) -> None:
    year = timezone.now().year
    for n in range(5):
        filed = referral_services.referral_file(
            actor=sara, youth={**youth(300 + n), "given_name": "K", "family_name": "X"}, concern="Oro"
        )
        referral_services.referral_decide(actor=alice, referral=filed, decision="no_action", reason="Ingen åtgärd")
    cases = [
        services.case_open(actor=alice, track=Track.SSPF, youth=youth(400 + n), district="Centrum") for n in range(6)
    ]
    # One person with two cases counts once.
    cases.append(services.case_open(actor=alice, track=Track.SSPF, youth=youth(400), district="Centrum"))
    for case in cases[:5]:
        services.case_member_add(actor=alice, case=case, username="carl")
        services.meeting_record(actor=carl, case=case, held_at=timezone.now() - timedelta(days=1))
        with override_settings(CASE_CLOSURE_NEEDS_APPROVAL=True):
            services.case_close(actor=carl, case=case, reason="Klart", outcome="goal_reached")

    body = client_for(carl).get("/api/v1/stats/summary", {"year": year}).json()

    assert body["referrals_by_source_and_decision"]["school"]["no_action"] == 5
    assert body["cases_by_outcome"]["goal_reached"] == 5
    assert body["cases_by_outcome"]["moved"] == 0
    assert body["meetings_by_kind"]["initial"] == 5
    assert body["unique_youths"] == 6
    assert body["visits_screening_offered"] == 0


def test_a_district_sees_its_own_figures(alice: Any, carl: Any, client_for: Any) -> None:
    year = timezone.now().year
    for n in range(5):
        services.case_open(actor=alice, track=Track.SSPF, youth=youth(500 + n), district="Mariefred")
    services.case_open(actor=alice, track=Track.SSPF, youth=youth(510), district="Centrum")

    body = client_for(carl).get("/api/v1/stats/summary", {"year": year, "district": "Mariefred"}).json()

    assert body["district"] == "Mariefred"
    assert body["unique_youths"] == 5
    assert body["cases_opened"]["sspf"] == {"Mariefred": 5, "total": 5}


def test_small_counts_are_suppressed_in_the_new_figures_too(alice: Any, carl: Any, client_for: Any) -> None:
    services.case_open(actor=alice, track=Track.SSPF, youth=youth(600), district="Centrum")

    body = client_for(carl).get("/api/v1/stats/summary", {"year": timezone.now().year}).json()

    assert body["unique_youths"] == "<5"


def test_a_frozen_year_stays_as_signed_off(alice: Any, carl: Any, audrey: Any, client_for: Any) -> None:
    last_year = timezone.now().year - 1
    opened = [
        services.case_open(actor=alice, track=Track.SSPF, youth=youth(700 + n), district="Centrum") for n in range(6)
    ]
    with bulk_writes_allowed():  # time travel: opened last year
        Case.objects.filter(pk__in=[c.pk for c in opened]).update(
            opened_at=timezone.now().replace(year=last_year, month=6, day=1)
        )

    refused = client_for(audrey).post(f"/api/v1/stats/{last_year}/freeze")
    signed = client_for(carl).post(f"/api/v1/stats/{last_year}/freeze")
    again = client_for(carl).post(f"/api/v1/stats/{last_year}/freeze")
    with disable_auditlog():  # the rows go, as in a purge
        Case.objects.filter(pk=opened[0].pk).delete()
    after = client_for(audrey).get("/api/v1/stats/summary", {"year": last_year}).json()

    assert refused.status_code == 403
    assert signed.status_code == 201
    assert again.status_code == 409
    assert after["unique_youths"] == 6
    assert after["frozen"]["by"] == "carl"
    assert FrozenYear.objects.get().year == last_year


def test_a_frozen_year_answers_a_district_that_had_nothing_with_zeros(alice: Any, carl: Any, client_for: Any) -> None:
    last_year = timezone.now().year - 1
    opened = [
        services.case_open(actor=alice, track=Track.SSPF, youth=youth(800 + n), district="Centrum") for n in range(6)
    ]
    with bulk_writes_allowed():
        Case.objects.filter(pk__in=[c.pk for c in opened]).update(
            opened_at=timezone.now().replace(year=last_year, month=6, day=1)
        )
    client = client_for(carl)
    assert client.post(f"/api/v1/stats/{last_year}/freeze").status_code == 201

    # The schema's shape (client_for checks it), every count 0: it was the year and district alone.
    body = client.get("/api/v1/stats/summary", {"year": last_year, "district": "Norr"}).json()

    assert body["district"] == "Norr"
    assert body["cases_opened"] == {"sspf": {"total": 0}, "linkoping": {"total": 0}, "total": {"total": 0}}
    assert body["unique_youths"] == 0
    assert body["median_days_to_first_meeting_or_visit"] is None
    assert set(body["referrals_by_source_and_decision"]["school"]) >= {"received", "total"}


def test_the_current_year_cannot_be_frozen(carl: Any, client_for: Any) -> None:
    response = client_for(carl).post(f"/api/v1/stats/{timezone.now().year}/freeze")

    assert response.status_code == 400
    assert list(response.json()) == ["year"]
    assert not Meeting.objects.exists()
