"""The server refuses to start with keys that do not fit the database (config/key_check.py):
another installation's master keys, or the wrong blind-index key, after a restore."""

from __future__ import annotations

import base64
import os
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from cases.models import Case
from config.key_check import MSG_WRONG_BLIND_INDEX_KEY, MSG_WRONG_MASTER_KEYS, keys_match_database
from tests.conftest import open_cases

pytestmark = pytest.mark.django_db


def other_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def test_the_keys_of_this_database_pass(case: Case) -> None:
    keys_match_database()


def test_an_empty_database_passes_with_any_keys(settings: Any) -> None:
    settings.FIELD_ENCRYPTION_KEYS = f"other:{other_key()}"

    keys_match_database()


def test_another_installations_master_keys_are_refused(case: Case, settings: Any) -> None:
    master_key_id = settings.FIELD_ENCRYPTION_KEYS.split(":")[0]
    settings.FIELD_ENCRYPTION_KEYS = f"{master_key_id}:{other_key()}"  # same id, other key

    with pytest.raises(ImproperlyConfigured) as refused:
        keys_match_database()

    assert str(refused.value) == MSG_WRONG_MASTER_KEYS


def test_a_missing_master_key_is_refused(case: Case, settings: Any) -> None:
    settings.FIELD_ENCRYPTION_KEYS = f"other:{other_key()}"

    with pytest.raises(ImproperlyConfigured, match="FIELD_ENCRYPTION_KEYS"):
        keys_match_database()


def test_the_wrong_blind_index_key_is_refused(alice: Any, settings: Any) -> None:
    open_cases(alice, 5)
    settings.BLIND_INDEX_KEY = other_key()

    with pytest.raises(ImproperlyConfigured) as refused:
        keys_match_database()

    assert str(refused.value) == MSG_WRONG_BLIND_INDEX_KEY


def test_one_damaged_row_does_not_keep_the_service_down(alice: Any) -> None:
    damaged, *_ = open_cases(alice, 3)
    with connection.cursor() as cursor:  # a stored index that no longer fits its number
        cursor.execute(
            "UPDATE cases_youth SET personal_number_index = personal_number_index + 1 WHERE case_id = %s",
            [damaged.pk.hex if connection.vendor == "sqlite" else damaged.pk],
        )
        assert cursor.rowcount == 1

    keys_match_database()
