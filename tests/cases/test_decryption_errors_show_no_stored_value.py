"""A malformed stored value is reported by where it is, never by what it holds: not in the
exception, not in the log (issue 15, item 8a)."""

from __future__ import annotations

import logging

import pytest
from django.db import connection

from cases import crypto
from cases.models import Case, Youth

pytestmark = pytest.mark.django_db

# Stored values an attacker with write access to the table (or a broken restore) could leave.
MALFORMED = [
    "199001011234-Anna$k$AAAA",  # a "format version" that is personal data
    "v1$abc$not-base64!Anna",
    "v1$abc$" + "A" * 40,  # well-formed but not a ciphertext of this row
    "no separators at all: Anna Andersson",
]


def _read_address(case: Case) -> None:
    youth = Youth.objects.select_related("case__key").get(case=case)
    _ = youth.address


@pytest.mark.parametrize("stored", MALFORMED)
def test_the_error_and_the_log_name_the_row_not_the_value(
    stored: str, case: Case, caplog: pytest.LogCaptureFixture
) -> None:
    with connection.cursor() as cursor:
        cursor.execute("UPDATE cases_youth SET address = %s", [stored])

    with caplog.at_level(logging.DEBUG), pytest.raises(crypto.DecryptionError) as caught:
        _read_address(case)

    message = str(caught.value)
    assert f"Youth.address of row {case.youth.pk}" in message
    for part in ("199001011234", "Anna", "not-base64", "AAAA", "separators"):
        assert part not in message
        assert part not in caplog.text
    assert caught.value.__cause__ is None and caught.value.__context__ is None
    assert "decryption failed" in caplog.text


def test_a_missing_master_key_is_reported_without_the_stored_id(case: Case) -> None:
    with connection.cursor() as cursor:
        cursor.execute("UPDATE cases_casekey SET master_key_id = %s", ["Anna-Andersson"])
    fresh = Case.objects.select_related("key").get(pk=case.pk)

    with pytest.raises(crypto.DecryptionError) as caught:
        fresh.encryption_cipher()

    assert "Anna" not in str(caught.value)
    assert str(case.pk) in str(caught.value)


@pytest.mark.parametrize("wrapped", [b"", b"\x01Anna", b"\0" * 60])
def test_a_damaged_wrapped_key_is_a_decryption_error(case: Case, wrapped: bytes) -> None:
    with connection.cursor() as cursor:
        cursor.execute("UPDATE cases_casekey SET wrapped = %s", [wrapped])
    fresh = Case.objects.select_related("key").get(pk=case.pk)

    with pytest.raises(crypto.DecryptionError) as caught:
        fresh.encryption_cipher()

    assert str(caught.value) == f"The data key of case {case.pk} failed its integrity check."
