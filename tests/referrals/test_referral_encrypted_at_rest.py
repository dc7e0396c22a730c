"""A referral's personal data and free text exist in the database only as ciphertext under the
referral's own data key, bound to their row and column."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.db import connection

from cases import crypto
from cases.models import Track
from referrals import services
from referrals.models import Referral
from tests.conftest import all_text_in_database
from tests.referrals.helpers import CONCERN, FAMILY, GIVEN, REASON, decide_url, detail_url, file, pnr_forms

pytestmark = pytest.mark.django_db


def test_the_database_holds_no_readable_copy(sara: Any, alice: Any, client_for: Any) -> None:
    referral = file(sara)
    client_for(alice).post(decide_url(referral), {"decision": "no_action", "reason": REASON}, format="json")
    client_for(alice).get(detail_url(referral))

    dump = all_text_in_database()

    for value in (CONCERN, REASON, GIVEN, FAMILY, *pnr_forms()):
        assert value not in dump
    assert Referral.objects.select_related("key").get(pk=referral.pk).concern == CONCERN


def test_a_case_opened_from_a_referral_holds_no_readable_copy_either(sara: Any, alice: Any) -> None:
    referral = file(sara)
    services.referral_decide(
        actor=alice, referral=referral, decision="open_case", reason=REASON, track=Track.SSPF, district="Centrum"
    )

    dump = all_text_in_database()

    for value in (CONCERN, REASON, GIVEN, FAMILY, *pnr_forms()):
        assert value not in dump


def test_each_referral_has_its_own_data_key(sara: Any) -> None:
    first, second = file(sara), file(sara, serial=202)

    keys = {r.key.key_id for r in Referral.objects.select_related("key").filter(pk__in=[first.pk, second.pk])}

    assert len(keys) == 2
    assert f"${first.key.key_id}$" in Referral.objects.values_list("concern", flat=True).get(pk=first.pk)


def test_a_ciphertext_moved_to_another_referral_does_not_open(sara: Any, caplog: pytest.LogCaptureFixture) -> None:
    first, second = file(sara), file(sara, serial=202, concern="En annan oro")
    table = Referral._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT concern FROM {table} WHERE id = %s", [first.pk.hex])  # noqa: S608 - the model's table
        (sealed,) = cursor.fetchone()
        cursor.execute(f"UPDATE {table} SET concern = %s WHERE id = %s", [sealed, second.pk.hex])  # noqa: S608

    moved = Referral.objects.select_related("key").get(pk=second.pk)
    with caplog.at_level(logging.ERROR, logger="cases.crypto"), pytest.raises(crypto.DecryptionError):
        _ = moved.concern

    assert CONCERN not in caplog.text


def test_a_ciphertext_moved_to_another_column_does_not_open(sara: Any) -> None:
    referral = file(sara)
    table = Referral._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET given_name = family_name WHERE id = %s", [referral.pk.hex])  # noqa: S608

    with pytest.raises(crypto.DecryptionError):
        _ = Referral.objects.select_related("key").get(pk=referral.pk).given_name
