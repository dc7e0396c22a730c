"""TOTP secrets exist in the database only as ciphertext bound to their row and user; the
migration seals django-otp's plaintext devices and deletes them (docs/decisions/0013)."""

from __future__ import annotations

import base64
import importlib
import shutil
import subprocess
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import SealedTOTPDevice
from accounts.services import device_bootstrap
from cases.crypto import DecryptionError
from tests.accounts.helpers import current_code
from tests.conftest import PASSWORD
from tests.contract import ConformingClient

pytestmark = pytest.mark.django_db


def _stored_key(device: Any) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT key FROM {SealedTOTPDevice._meta.db_table} WHERE id = %s", [device.pk])  # noqa: S608
        return str(cursor.fetchone()[0])


def test_the_stored_key_is_ciphertext_and_the_code_still_works(alice: Any) -> None:
    device = device_bootstrap(user=alice, name="phone")
    hex_key = SealedTOTPDevice.objects.get(pk=device.pk).key

    stored = _stored_key(device)

    assert stored.startswith("v1$")
    assert hex_key not in stored
    assert base64.b32encode(bytes.fromhex(hex_key)).decode() not in stored
    response = ConformingClient().post(
        "/api/v1/auth/login", {"username": "alice", "password": PASSWORD, "otp": current_code(device)}
    )
    assert response.status_code == 200


def test_a_sealed_key_moved_to_another_user_does_not_decrypt(alice: Any, olle: Any) -> None:
    device = device_bootstrap(user=alice, name="phone")
    SealedTOTPDevice.objects.filter(pk=device.pk).update(user=olle)

    moved = SealedTOTPDevice.objects.get(pk=device.pk)

    with pytest.raises(DecryptionError):
        _ = moved.key


def test_the_migration_seals_plaintext_devices_and_deletes_them(alice: Any) -> None:
    plain = TOTPDevice.objects.create(user=alice, name="old phone", confirmed=True)
    hex_key = plain.key
    migration = importlib.import_module("accounts.migrations.0002_encrypt_totp_devices")

    migration.encrypt_existing(apps, None)

    assert not TOTPDevice.objects.exists()
    sealed = SealedTOTPDevice.objects.get(user=alice)
    assert sealed.name == "old phone"
    assert sealed.confirmed
    assert sealed.key == hex_key
    assert hex_key not in _stored_key(sealed)
    response = ConformingClient().post(
        "/api/v1/auth/login", {"username": "alice", "password": PASSWORD, "otp": current_code(sealed)}
    )
    assert response.status_code == 200


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql" or not shutil.which("pg_dump"), reason="needs PostgreSQL")
def test_a_database_dump_holds_no_totp_secret(alice: Any) -> None:
    device = device_bootstrap(user=alice, name="phone")
    hex_key = device.key
    secret = base64.b32encode(bytes.fromhex(hex_key)).decode()
    settings = connection.settings_dict

    dump = subprocess.run(  # noqa: S603
        [
            shutil.which("pg_dump") or "pg_dump",
            "--data-only",
            "-h",
            settings["HOST"] or "127.0.0.1",
            "-p",
            str(settings["PORT"] or 5432),
            "-U",
            settings["USER"],
            settings["NAME"],
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    assert SealedTOTPDevice._meta.db_table in dump
    assert hex_key not in dump
    assert hex_key.upper() not in dump
    assert secret not in dump
