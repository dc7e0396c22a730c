"""Reminders are computed per request for the user they concern, carry ids and dates only, and
go away as soon as the thing is done; the daily mail gives a count and a link, once a day."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from audit.models import LogReview
from cases import services
from cases.models import ActionItem, Track
from cases.querysets import bulk_writes_allowed
from referrals import services as referral_services
from tests.conftest import YOUTH, case_url
from tests.consent.helpers import give, guardian_of
from tests.factories import personal_number_for_age

pytestmark = pytest.mark.django_db


def kinds(client: Any) -> list[tuple[str, str | None]]:
    response = client.get("/api/v1/reminders/")
    assert response.status_code == 200
    return [(r["kind"], r.get("case") or r.get("referral")) for r in response.json()]


def test_a_consent_ending_within_30_days_reminds_social_services_on_the_team(
    case: Any, alice: Any, carl: Any, sara: Any, client_for: Any
) -> None:
    consent = give(alice, case, guardian=guardian_of(case), categories=["identity"], days=20)

    reminders = client_for(alice).get("/api/v1/reminders/").json()

    assert [(r["kind"], r["case"], r["consent"]) for r in reminders] == [
        ("consent_expiring", str(case.pk), str(consent.pk))
    ]
    assert ("consent_expiring", str(case.pk)) in kinds(client_for(carl))
    assert kinds(client_for(sara)) == []  # a teacher manages no consents
    client_for(alice).post(f"/api/v1/consents/{consent.pk}/withdraw/", {"reason": "Återkallat"})
    assert kinds(client_for(alice)) == []


def test_a_birthday_that_changes_whose_consent_counts_is_a_reminder(alice: Any, carl: Any, client_for: Any) -> None:
    born = timezone.localdate() - timedelta(days=15 * 365 - 10)  # turns 15 in about ten days
    digits = f"{born:%Y%m%d}"
    from cases import personnummer

    nine = f"{born:%y%m%d}321"
    pnr = f"{digits}-321{personnummer.luhn_check_digit(nine)}"
    case = services.case_open(
        actor=alice, track=Track.SSPF, youth={**YOUTH, "personal_number": pnr}, district="Centrum"
    )

    assert kinds(client_for(alice)) == [("giver_changes", str(case.pk))]


def test_an_overdue_action_is_a_reminder_for_its_responsible_member_until_done(
    case: Any, alice: Any, carl: Any, sara: Any, client_for: Any
) -> None:
    meeting = services.meeting_record(
        actor=carl,
        case=case,
        held_at=timezone.now() - timedelta(days=10),
        actions=[
            {
                "agency": "school",
                "responsible": "Mentor",
                "responsible_user": "sara",
                "action": "Följa upp närvaron",
                "due_at": timezone.localdate() - timedelta(days=1),
            }
        ],
    )

    assert kinds(client_for(sara)) == [("action_overdue", str(case.pk))]
    assert ("action_overdue", str(case.pk)) not in kinds(client_for(carl))
    with bulk_writes_allowed():
        ActionItem.objects.filter(meeting=meeting).update(done_at=timezone.localdate())
    assert kinds(client_for(sara)) == []


def test_a_pending_closure_is_a_reminder_for_the_other_coordinators(
    case: Any, alice: Any, carl: Any, client_for: Any
) -> None:
    response = client_for(alice).post(case_url(case, "close/"), {"reason": "Målet nått", "outcome": "goal_reached"})

    assert response.status_code == 202
    assert ("closure_to_approve", str(case.pk)) in kinds(client_for(carl))
    assert ("closure_to_approve", str(case.pk)) not in kinds(client_for(alice))


def test_a_youth_past_the_tracks_age_is_aged_out_for_the_coordinator(alice: Any, carl: Any, client_for: Any) -> None:
    case = services.case_open(
        actor=alice,
        track=Track.SSPF,
        youth={**YOUTH, "personal_number": personal_number_for_age(18, serial=418)},
        district="Centrum",
    )
    services.case_member_add(actor=alice, case=case, username="carl")

    assert ("aged_out", str(case.pk)) in kinds(client_for(carl))
    assert ("aged_out", str(case.pk)) not in kinds(client_for(alice))


def test_an_undecided_referral_waits_for_social_services_and_is_due_at_once_when_urgent(
    alice: Any, sara: Any, client_for: Any
) -> None:
    youth = {"personal_number": personal_number_for_age(12, serial=212), "given_name": "Kim", "family_name": "X"}
    urgent = referral_services.referral_file(actor=sara, youth=youth, concern="Oro", urgent=True)

    (reminder,) = client_for(alice).get("/api/v1/reminders/").json()

    assert (reminder["kind"], reminder["referral"]) == ("referral_waiting", str(urgent.pk))
    assert datetime.fromisoformat(reminder["due_at"]) == urgent.received_at
    assert kinds(client_for(sara)) == []  # the reporter has nothing to do


def test_auditors_are_reminded_of_the_monthly_log_check(audrey: Any, client_for: Any) -> None:
    assert kinds(client_for(audrey)) == [("log_check_due", None)]
    LogReview.objects.create(
        period_start=timezone.now() - timedelta(days=30),
        period_end=timezone.now(),
        sample_size=0,
        started_by=audrey,
        signed_off_by=audrey,
        signed_off_at=timezone.now(),
    )
    assert kinds(client_for(audrey)) == []


def test_no_personal_data_in_a_reminder(case: Any, alice: Any, client_for: Any) -> None:
    give(alice, case, guardian=guardian_of(case), categories=["identity"], days=20)

    body = client_for(alice).get("/api/v1/reminders/").content.decode()

    for value in (YOUTH["family_name"], YOUTH["given_name"], case.youth.personal_number, case.number):
        assert value not in body


def test_the_reminder_query_count_does_not_grow_with_cases(
    alice: Any, client_for: Any, django_assert_max_num_queries: Any
) -> None:
    from tests.conftest import open_cases

    for opened in open_cases(alice, 20):
        services.guardian_add(actor=alice, case=opened, data={"name": "V"})
    client = client_for(alice)

    with django_assert_max_num_queries(12):
        client.get("/api/v1/reminders/")


@override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend", SITE_URL="https://sspf.example.org")
def test_the_daily_mail_gives_a_link_and_no_count_once_a_day(case: Any, alice: Any) -> None:
    alice.email = "alice@example.org"
    alice.save()
    give(alice, case, guardian=guardian_of(case), categories=["identity"], days=20)

    call_command("send_reminders", stdout=open("/dev/null", "w"))  # noqa: SIM115
    call_command("send_reminders", stdout=open("/dev/null", "w"))  # noqa: SIM115

    (message,) = mail.outbox
    assert message.to == ["alice@example.org"]
    assert "https://sspf.example.org/" in message.body
    assert not any(character.isdigit() for character in message.subject + message.body)  # no count
    for value in (YOUTH["family_name"], case.youth.personal_number, case.number, str(case.pk)):
        assert value not in message.subject + message.body
