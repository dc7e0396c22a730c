"""What the register-wide readers (subject report, retention, statistics) get from the referrals
app: one person's referrals exactly, a blind-index bucket's as a superset, counts by source and
decision."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from cases import crypto
from cases import services as case_services
from cases.models import Track, Youth
from cases.querysets import bulk_writes_allowed
from referrals import services
from referrals.models import Referral
from referrals.selectors import (
    referral_counts,
    referral_ids_about,
    referrals_about,
    referrals_exist_in_bucket,
    referrals_in_bucket,
)
from tests.referrals.helpers import CONCERN, file, youth

pytestmark = pytest.mark.django_db


def test_a_cases_youth_finds_their_referrals(sara: Any, petra: Any, alice: Any) -> None:
    first, second = file(sara), file(petra)
    file(sara, serial=202)
    case = case_services.case_open(actor=alice, track=Track.SSPF, youth=youth(), district="Centrum")
    young = Youth.objects.select_related("case__key").get(case=case)

    found = referrals_about(index=young.personal_number_index, personal_number=young.personal_number)

    assert [r.pk for r in found] == [first.pk, second.pk]
    assert found[0].concern == CONCERN  # readable: the key comes with it
    assert referral_ids_about(index=young.personal_number_index, personal_number=young.personal_number) == [
        first.pk,
        second.pk,
    ]


def test_a_bucket_is_a_superset_and_exact_lookup_is_not(sara: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(crypto, "blind_index", lambda value, *, purpose: 7)
    wanted, other = file(sara), file(sara, serial=202)

    assert [r.pk for r in referrals_in_bucket(index=7)] == [wanted.pk, other.pk]
    assert [r.pk for r in referrals_about(index=7, personal_number=wanted.personal_number)] == [wanted.pk]
    assert referrals_exist_in_bucket(index=7) is True
    assert referrals_exist_in_bucket(index=8) is False


def test_counts_by_source_and_decision_for_the_year(sara: Any, petra: Any, leo: Any, alice: Any) -> None:
    file(sara)
    file(sara, serial=202)
    services.referral_decide(actor=alice, referral=file(petra, serial=203), decision="no_action", reason="r")
    services.referral_decide(
        actor=alice, referral=file(leo, serial=204), decision="open_case", reason="r", track="sspf", district="C"
    )
    last_year = file(sara, serial=205)
    with bulk_writes_allowed():
        Referral.objects.filter(pk=last_year.pk).update(received_at=timezone.now() - timedelta(days=400))

    counts = referral_counts(year=timezone.localdate().year)

    assert counts == [
        {"source": "leisure", "decision": "open_case", "count": 1},
        {"source": "police", "decision": "no_action", "count": 1},
        {"source": "school", "decision": "received", "count": 2},
    ]
