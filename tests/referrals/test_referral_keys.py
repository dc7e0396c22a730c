"""Referral data keys: re-wrapped under a new master key by ``rotate_referral_keys``, and shredded
one referral at a time, leaving every other referral and every case readable."""

from __future__ import annotations

import base64
import os
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from cases import crypto
from cases import services as case_services
from cases.models import Track, Youth
from referrals.keys import referral_key_shred, referral_keys_pending_rewrap
from referrals.models import Referral, ReferralKey
from tests.referrals.helpers import CONCERN, file, youth

pytestmark = pytest.mark.django_db


def new_key(key_id: str) -> str:
    return f"{key_id}:{base64.b64encode(os.urandom(32)).decode()}"


def concerns() -> list[str]:
    return sorted(r.concern for r in Referral.objects.select_related("key"))


def test_rotation_then_removing_the_old_key_keeps_referrals_readable(sara: Any, settings: Any) -> None:
    for n in range(5):
        file(sara, serial=300 + n, concern=f"Oro {n}")
    before = concerns()
    settings.FIELD_ENCRYPTION_KEYS = f"{new_key('next')},{settings.FIELD_ENCRYPTION_KEYS}"
    assert referral_keys_pending_rewrap() == 5

    out = StringIO()
    call_command("rotate_referral_keys", "--batch-size", "2", stdout=out, stderr=StringIO())

    assert "re-wrapped 5, remaining under older keys 0" in out.getvalue()
    settings.FIELD_ENCRYPTION_KEYS = settings.FIELD_ENCRYPTION_KEYS.split(",")[0]  # the old key is gone
    assert set(ReferralKey.objects.values_list("master_key_id", flat=True)) == {"next"}
    assert concerns() == before


def test_rotation_stops_at_the_limit_and_continues(sara: Any, settings: Any) -> None:
    for n in range(3):
        file(sara, serial=300 + n)
    settings.FIELD_ENCRYPTION_KEYS = f"{new_key('next')},{settings.FIELD_ENCRYPTION_KEYS}"

    first, second = StringIO(), StringIO()
    call_command("rotate_referral_keys", "--limit", "2", stdout=first, stderr=StringIO())
    call_command("rotate_referral_keys", stdout=second, stderr=StringIO())

    assert "re-wrapped 2, remaining under older keys 1" in first.getvalue()
    assert "re-wrapped 1, remaining under older keys 0" in second.getvalue()


def test_a_wrapped_key_moved_to_another_referral_does_not_open(sara: Any) -> None:
    first, second = file(sara), file(sara, serial=202)
    donor = ReferralKey.objects.get(referral=first)
    ReferralKey.objects.filter(referral=second).delete()
    ReferralKey.objects.create(
        referral=second, key_id=donor.key_id, master_key_id=donor.master_key_id, wrapped=bytes(donor.wrapped)
    )

    with pytest.raises(crypto.DecryptionError):
        _ = Referral.objects.select_related("key").get(pk=second.pk).concern


def test_shredding_one_referral_leaves_the_rest_readable(sara: Any, alice: Any) -> None:
    shredded, kept = file(sara), file(sara, serial=202)
    case = case_services.case_open(actor=alice, track=Track.SSPF, youth=youth(), district="Centrum")

    assert referral_key_shred(referral=shredded) is True
    assert referral_key_shred(referral=shredded) is False

    with pytest.raises(crypto.DecryptionError, match="has no data key"):
        _ = Referral.objects.select_related("key").get(pk=shredded.pk).concern
    assert Referral.objects.select_related("key").get(pk=kept.pk).concern == CONCERN
    assert Youth.objects.select_related("case__key").get(case=case).family_name == youth()["family_name"]
