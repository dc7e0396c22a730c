"""Retention per person: the clock runs from a case's last entry, not its closure; no case is
purged while another record about the same person is kept; a birth-based period can be set; the
dry run says what purges or keeps each due case (Old Social Services Act 12 kap.; LAW.md)."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from cases import services
from cases.models import Case, Note
from cases.querysets import bulk_writes_allowed
from consent import services as consent_services
from consent.models import ConsentWithdrawal
from oversight.purge import purge_expired, retention_review
from tests.conftest import YOUTH
from tests.consent.helpers import give

pytestmark = pytest.mark.django_db

# Every youth here is born on the 3rd of a month: not a research day.


def pnr_born_third(serial: int) -> str:
    from cases import personnummer

    nine = f"120103{serial:03d}"
    return f"20120103-{serial:03d}{personnummer.luhn_check_digit(nine)}"


def closed(actor: Any, *, pnr: str, years_ago: float) -> Case:
    case = services.case_open(
        actor=actor, track="sspf", youth={**YOUTH, "personal_number": pnr}, district="Centrum", summary="S"
    )
    services.note_add(actor=actor, case=case, category="notes", text="Anteckning")
    with override_settings(CASE_CLOSURE_NEEDS_APPROVAL=False):
        services.case_close(actor=actor, case=case, reason="Klart")
    then = timezone.now() - timedelta(days=int(years_ago * 365))
    with bulk_writes_allowed():  # time travel
        Case.objects.filter(pk=case.pk).update(closed_at=then)
        Note.objects.filter(case=case).update(created_at=then - timedelta(days=1))
    return Case.objects.get(pk=case.pk)


def test_the_clock_runs_from_the_last_entry_not_the_closure(alice: Any) -> None:
    case = closed(alice, pnr=pnr_born_third(101), years_ago=6)
    # A consent withdrawn two years ago on the closed case is its last entry.
    with bulk_writes_allowed():
        Case.objects.filter(pk=case.pk).update(status="open", closed_at=None, outcome="")
    case = Case.objects.get(pk=case.pk)
    guardian = services.guardian_add(actor=alice, case=case, data={"name": "Vårdnadshavare"})
    recorded = give(alice, Case.objects.get(pk=case.pk), guardian=guardian, categories=["identity"])
    with bulk_writes_allowed():
        Case.objects.filter(pk=case.pk).update(
            status="closed", closed_at=timezone.now() - timedelta(days=6 * 365), outcome="other"
        )
        type(recorded).objects.filter(pk=recorded.pk).update(recorded_at=timezone.now() - timedelta(days=6 * 365))
    consent_services.consent_withdraw(actor=alice, consent=recorded, reason="Återkallat")
    with bulk_writes_allowed():
        ConsentWithdrawal.objects.filter(consent=recorded).update(recorded_at=timezone.now() - timedelta(days=2 * 365))

    assert list(retention_review()) == []
    assert purge_expired() == 0
    assert Case.objects.filter(pk=case.pk).exists()


def test_no_case_is_purged_while_another_case_about_the_person_is_kept(alice: Any) -> None:
    pnr = pnr_born_third(201)
    old = closed(alice, pnr=pnr, years_ago=6)
    newer = services.case_open(actor=alice, track="sspf", youth={**YOUTH, "personal_number": pnr}, district="C")
    stranger = closed(alice, pnr=pnr_born_third(202), years_ago=6)

    (kept, purged) = sorted(retention_review(), key=lambda r: r.number != old.number)

    assert (kept.number, kept.purge) == (old.number, False)
    assert kept.kept_by == f"another record about the person is kept: {newer.number}"
    assert (purged.number, purged.purge) == (stranger.number, True)
    assert purge_expired() == 1
    assert set(Case.objects.values_list("number", flat=True)) == {old.number, newer.number}


def test_two_due_cases_about_the_same_person_both_go(alice: Any) -> None:
    pnr = pnr_born_third(301)
    closed(alice, pnr=pnr, years_ago=6)
    closed(alice, pnr=pnr, years_ago=7)

    assert purge_expired() == 2


def test_the_same_blind_index_is_not_the_same_person(alice: Any) -> None:
    """The index is truncated: another person sharing it does not keep a case."""
    due = closed(alice, pnr=pnr_born_third(401), years_ago=6)
    other = services.case_open(
        actor=alice, track="sspf", youth={**YOUTH, "personal_number": pnr_born_third(402)}, district="C"
    )
    with bulk_writes_allowed():  # make the two indexes collide
        type(other.youth).objects.filter(pk=other.youth.pk).update(
            personal_number_index=due.youth.personal_number_index
        )

    assert [r.number for r in retention_review() if r.purge] == [due.number]


@override_settings(CASE_RETENTION_YEARS_FROM_BIRTH={"sspf": 30, "linkoping": 0})
def test_a_birth_based_period_keeps_a_child_file_for_that_many_years(alice: Any) -> None:
    case = closed(alice, pnr=pnr_born_third(501), years_ago=6)

    (review,) = list(retention_review())

    assert review.number == case.number
    assert review.kept_by == "30 years from birth have not passed"
    assert purge_expired() == 0


def test_the_dry_run_says_what_purges_and_what_keeps_each_case(alice: Any) -> None:
    pnr = pnr_born_third(601)
    kept = closed(alice, pnr=pnr, years_ago=6)
    services.case_open(actor=alice, track="sspf", youth={**YOUTH, "personal_number": pnr}, district="C")
    gone = closed(alice, pnr=pnr_born_third(602), years_ago=6)
    out = StringIO()

    call_command("purge_expired", "--dry-run", stdout=out)

    verdicts = {line.split("\t")[0]: line.split("\t")[-1] for line in out.getvalue().splitlines()}
    assert verdicts[kept.number].startswith("kept: another record about the person is kept")
    assert verdicts[gone.number] == "purge: sspf: 5 years after the last entry"
    assert YOUTH["family_name"] not in out.getvalue() and pnr not in out.getvalue()
    assert Case.objects.filter(pk=gone.pk).exists()


def _referral(reporter: Any, decider: Any, pnr: str, *, years_ago: float) -> Any:
    from referrals import services as referral_services
    from referrals.models import Referral

    referral = referral_services.referral_file(
        actor=reporter, youth={"personal_number": pnr, "given_name": "K", "family_name": "X"}, concern="Oro"
    )
    referral_services.referral_decide(actor=decider, referral=referral, decision="no_action", reason="Ingen åtgärd")
    with bulk_writes_allowed():  # time travel
        Referral.objects.filter(pk=referral.pk).update(decided_at=timezone.now() - timedelta(days=int(years_ago * 365)))
    return Referral.objects.get(pk=referral.pk)


def test_a_kept_referral_about_the_person_keeps_a_due_case(alice: Any, sara: Any) -> None:
    pnr = pnr_born_third(701)
    case = closed(alice, pnr=pnr, years_ago=6)
    referral = _referral(sara, alice, pnr, years_ago=1)

    (review,) = list(retention_review())

    assert review.number == case.number
    assert review.kept_by == f"another record about the person is kept: {referral.number}"


def test_a_referral_that_opened_no_case_goes_after_its_period_unless_the_person_has_a_kept_case(
    alice: Any, sara: Any
) -> None:
    from referrals.models import Referral

    gone = _referral(sara, alice, pnr_born_third(801), years_ago=6)
    kept_pnr = pnr_born_third(802)
    kept = _referral(sara, alice, kept_pnr, years_ago=6)
    services.case_open(actor=alice, track="sspf", youth={**YOUTH, "personal_number": kept_pnr}, district="C")

    out = StringIO()
    call_command("purge_expired", stdout=out)

    assert "1 referrals purged" in out.getvalue()
    assert set(Referral.objects.values_list("pk", flat=True)) == {kept.pk}
    assert not Referral.objects.filter(pk=gone.pk).exists()
