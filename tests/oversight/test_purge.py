"""Purge (gallring): only expired, unheld, closed cases go; their content is unrecoverable; the
audit chain still verifies; re-running is a no-op; a dry run changes nothing."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from audit import chain
from audit.models import AuditEntry
from cases import services
from cases.models import Case, CaseKey, Note, Youth
from cases.querysets import bulk_writes_allowed
from oversight import legal_hold
from oversight.purge import expired_cases, purge_expired
from tests.conftest import YOUTH, all_text_in_database, case_url
from tests.factories import personal_number_for_age

pytestmark = pytest.mark.django_db


def closed_case(actor: Any, *, years_ago: float, serial: int, born_day: int | None = None) -> Case:
    pnr = personal_number_for_age(13, serial=serial)
    if born_day is not None:
        from cases import personnummer

        digits = pnr.replace("-", "")
        digits = digits[:6] + f"{born_day:02d}" + digits[8:11]
        nine = digits[2:11]
        pnr = f"{digits[:8]}-{digits[8:11]}{personnummer.luhn_check_digit(nine)}"
    case = services.case_open(
        actor=actor,
        track="sspf",
        youth={**YOUTH, "personal_number": pnr},
        district="Centrum",
        summary=f"Sammanfattning {serial}",
    )
    services.note_add(actor=actor, case=case, category="notes", text=f"Anteckning {serial}")
    with override_settings(CASE_CLOSURE_NEEDS_APPROVAL=False):  # the owner closes alone: no coordinator here
        services.case_close(actor=actor, case=case, reason="Målet uppnått")
    with bulk_writes_allowed():  # time travel
        then = timezone.now() - timedelta(days=int(years_ago * 365))
        Case.objects.filter(pk=case.pk).update(closed_at=then)
        Note.objects.filter(case=case).update(created_at=then - timedelta(days=1))  # written before closing
    return case


def test_only_expired_unheld_closed_cases_go(alice: Any, carl: Any, client_for: Any) -> None:
    expired = closed_case(alice, years_ago=6, serial=101, born_day=3)
    recent = closed_case(alice, years_ago=2, serial=102, born_day=3)
    held = closed_case(alice, years_ago=6, serial=103, born_day=3)
    research = closed_case(alice, years_ago=6, serial=104, born_day=15)
    still_open = services.case_open(
        actor=alice,
        track="sspf",
        youth={**YOUTH, "personal_number": personal_number_for_age(13, serial=105)},
        district="C",
    )
    services.case_member_add(actor=alice, case=held, username="carl")
    assert client_for(carl).post(case_url(held, "legal-hold/"), {"reason": "Utredning pågår"}).status_code == 201

    assert [e.number for e in expired_cases()] == [expired.number]
    assert purge_expired() == 1

    remaining = set(Case.objects.values_list("number", flat=True))
    assert remaining == {recent.number, held.number, research.number, still_open.number}


def test_a_purged_case_cannot_be_recovered_and_the_chain_still_verifies(alice: Any) -> None:
    case = closed_case(alice, years_ago=6, serial=201, born_day=3)
    stored_summary = Case.objects.filter(pk=case.pk).values_list("summary", flat=True).get()
    wrapped = bytes(CaseKey.objects.get(case=case).wrapped)
    chain.seal()

    purge_expired()

    dump = all_text_in_database()
    assert stored_summary not in dump
    assert wrapped.decode("latin-1") not in dump
    assert not Youth.objects.filter(case_id=case.pk).exists()
    [entry] = AuditEntry.objects.filter(event="purge")
    assert entry.case_number == case.number
    assert set(entry.additional_data) == {"rule", "closed_at"}
    assert chain.verify().ok


def test_purging_again_changes_nothing_and_a_dry_run_changes_nothing(alice: Any) -> None:
    case = closed_case(alice, years_ago=6, serial=301, born_day=3)
    out = StringIO()

    call_command("purge_expired", "--dry-run", stdout=out)

    assert case.number in out.getvalue()
    assert Case.objects.filter(pk=case.pk).exists()
    call_command("purge_expired", stdout=StringIO(), stderr=StringIO())
    before = AuditEntry.objects.count()
    second = StringIO()
    call_command("purge_expired", stdout=second, stderr=StringIO())
    assert "0 cases purged" in second.getvalue()
    assert AuditEntry.objects.count() == before


def test_a_case_with_consents_is_purged_too(alice: Any) -> None:
    from cases.models import Guardian
    from consent.models import Consent, ConsentEvidence
    from tests.consent.helpers import give

    case = closed_case(alice, years_ago=6, serial=401, born_day=3)
    with bulk_writes_allowed():
        Case.objects.filter(pk=case.pk).update(status="open", closed_at=None, outcome="")
    give(
        alice, Case.objects.get(pk=case.pk), guardian=services.guardian_add(actor=alice, case=case, data={"name": "V"})
    )
    with bulk_writes_allowed():
        Case.objects.filter(pk=case.pk).update(
            status="closed", closed_at=timezone.now() - timedelta(days=7 * 365), outcome="other"
        )
        # The consent and its form were recorded before the case closed (the clock runs from the
        # last entry).
        Consent.objects.filter(case=case).update(recorded_at=timezone.now() - timedelta(days=7 * 365 + 1))
        ConsentEvidence.objects.filter(case=case).update(uploaded_at=timezone.now() - timedelta(days=7 * 365 + 1))

    assert purge_expired() == 1
    assert not Consent.objects.exists() and not Guardian.objects.filter(case_id=case.pk).exists()


def test_a_hold_placed_after_the_list_was_made_still_saves_the_case(alice: Any, carl: Any) -> None:
    from oversight.purge import case_purge

    case = closed_case(alice, years_ago=6, serial=501, born_day=3)
    [expired] = list(expired_cases())
    services.case_member_add(actor=alice, case=case, username="carl")
    legal_hold.legal_hold_place(actor=carl, case=case, reason="Utredning")

    assert case_purge(expired=expired) is False
    assert Case.objects.filter(pk=case.pk).exists()


def test_a_youth_with_a_coordination_number_born_on_a_research_day_is_kept(alice: Any) -> None:
    """A samordningsnummer carries the birth day plus 60: day 75 is the 15th, a research day;
    day 63 is the 3rd, which is not."""
    kept = closed_case(alice, years_ago=6, serial=601, born_day=75)
    purged = closed_case(alice, years_ago=6, serial=602, born_day=63)

    assert [e.number for e in expired_cases()] == [purged.number]
    assert purge_expired() == 1
    assert set(Case.objects.values_list("number", flat=True)) == {kept.number}


def test_a_case_is_kept_until_its_retention_period_has_run_out(alice: Any, settings: Any) -> None:
    assert settings.CASE_RETENTION_YEARS["sspf"] == 5
    almost = closed_case(alice, years_ago=4.9, serial=701, born_day=3)
    past = closed_case(alice, years_ago=5.1, serial=702, born_day=3)

    assert purge_expired() == 1
    assert set(Case.objects.values_list("number", flat=True)) == {almost.number}
    assert past.number not in set(Case.objects.values_list("number", flat=True))
