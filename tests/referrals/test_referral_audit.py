"""Every read of a referral's content leaves an access entry naming the referral and what was
shown; filing and deciding leave their change entries; no entry holds a value."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType

from audit.models import AuditEntry, AuditEvent
from cases import services as case_services
from cases.models import Track
from referrals import services
from referrals.models import Referral
from tests.referrals.helpers import CONCERN, FAMILY, GIVEN, REASON, URL, decide_url, detail_url, file, pnr_forms, youth

pytestmark = pytest.mark.django_db


def referral_entries(event: str) -> list[AuditEntry]:
    kind = ContentType.objects.get_for_model(Referral)
    return list(AuditEntry.objects.filter(content_type=kind, event=event).order_by("id"))


def test_filing_leaves_a_create_entry_with_field_names_only(sara: Any, client_for: Any) -> None:
    response = client_for(sara).post(URL, {"youth": youth(), "concern": CONCERN}, format="json")

    (entry,) = referral_entries(AuditEvent.CREATE)
    assert entry.object_pk == response.json()["id"]
    assert entry.actor == sara
    assert {"concern", "given_name", "personal_number", "status"} <= set(entry.changed_fields)
    assert entry.case_ref is None


def test_reading_a_referral_is_recorded(sara: Any, alice: Any, client_for: Any) -> None:
    referral = file(sara)

    client_for(alice).get(detail_url(referral))

    (entry,) = referral_entries(AuditEvent.ACCESS)
    assert (entry.object_pk, entry.actor, entry.actor_username) == (str(referral.pk), alice, "alice")
    assert entry.fields_shown == ["concern", "youth"]
    assert entry.additional_data == {"view": "referral-detail"}
    assert entry.case_ref is None


def test_each_referral_on_a_queue_page_is_recorded(sara: Any, alice: Any, client_for: Any) -> None:
    for n in range(3):
        file(sara, serial=300 + n)

    shown = client_for(alice).get(URL, {"page_size": 2}).json()["results"]

    entries = referral_entries(AuditEvent.ACCESS)
    assert sorted(e.object_pk for e in entries) == sorted(item["id"] for item in shown)
    assert {e.actor_username for e in entries} == {"alice"}
    assert all(e.additional_data == {"view": "referral-list"} for e in entries)


def test_a_reporters_own_status_list_shows_no_content_and_records_none(sara: Any, client_for: Any) -> None:
    file(sara)

    client_for(sara).get(URL)

    assert referral_entries(AuditEvent.ACCESS) == []


def test_deciding_is_recorded_and_the_answer_too(sara: Any, alice: Any, client_for: Any) -> None:
    referral = file(sara)

    client_for(alice).post(decide_url(referral), {"decision": "no_action", "reason": REASON}, format="json")

    (update,) = referral_entries(AuditEvent.UPDATE)
    assert {"status", "decided_at", "decided_by", "decision_reason"} <= set(update.changed_fields)
    (access,) = referral_entries(AuditEvent.ACCESS)
    assert access.fields_shown == ["concern", "reason", "youth"]
    assert access.additional_data == {"view": "referral-decide"}


def test_a_referral_that_led_to_a_case_is_logged_under_that_case(sara: Any, alice: Any, client_for: Any) -> None:
    referral = file(sara)
    decided = services.referral_decide(
        actor=alice, referral=referral, decision="open_case", reason="r", track="sspf", district="Centrum"
    )

    client_for(alice).get(detail_url(referral))

    entry = referral_entries(AuditEvent.ACCESS)[-1]
    assert decided.case is not None
    assert (entry.case_ref, entry.case_number) == (decided.case.pk, decided.case.number)


def test_a_lookup_that_finds_a_referral_is_recorded(sara: Any, alice: Any, client_for: Any) -> None:
    referral = file(sara)

    client_for(alice).post("/api/v1/youths/lookup", {"personal_number": youth()["personal_number"]}, format="json")

    (entry,) = referral_entries(AuditEvent.ACCESS)
    assert (entry.object_pk, entry.fields_shown) == (str(referral.pk), ["id"])
    assert entry.additional_data == {"view": "youth-lookup"}


def test_a_denied_read_is_recorded(sara: Any, petra: Any, client_for: Any) -> None:
    referral = file(sara)
    before = AuditEntry.objects.filter(event=AuditEvent.DENIED).count()

    client_for(petra).get(detail_url(referral))

    denied = AuditEntry.objects.filter(event=AuditEvent.DENIED).order_by("-id")
    assert denied.count() == before + 1
    assert denied[0].actor_username == "petra"
    assert denied[0].additional_data == {"code": "not_found", "view": "ReferralDetailApi"}


def test_no_entry_holds_a_value(sara: Any, alice: Any, client_for: Any) -> None:
    case_services.case_open(actor=alice, track=Track.SSPF, youth=youth(serial=400), district="Centrum")
    referral = file(sara)
    client = client_for(alice)
    client.get(URL)
    client.post(
        decide_url(referral),
        {"decision": "open_case", "reason": REASON, "track": "sspf", "district": "Centrum"},
        format="json",
    )
    client.get(detail_url(referral))
    client.post("/api/v1/youths/lookup", {"personal_number": youth()["personal_number"]}, format="json")
    client_for(sara).get(detail_url(referral))

    entries = "\n".join(str(row) for row in AuditEntry.objects.values_list())
    for value in (CONCERN, REASON, GIVEN, FAMILY, *pnr_forms()):
        assert value not in entries
