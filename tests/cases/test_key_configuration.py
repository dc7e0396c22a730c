"""A malformed master key is named, and a missing key fails the system check."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from cases import crypto

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "FIELD_ENCRYPTION_KEYS is not set"),
        ("k1", "id:base64"),
        ("k1:AAAA", "exactly 32 bytes"),
        ("k1:" + "A" * 43 + "=,k1:" + "A" * 43 + "=", "twice"),
    ],
)
def test_bad_master_keys_are_named(value: str, message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=message):
        crypto.parse_keyring(value)


def test_a_missing_key_fails_the_system_check(settings: Any) -> None:
    from cases.checks import check_encryption_keys

    settings.BLIND_INDEX_KEY = ""

    errors = check_encryption_keys()

    assert [e.id for e in errors] == ["cases.E002"]
    assert "BLIND_INDEX_KEY" in errors[0].msg
