"""Eight connections using a system key for the first time at once get one key, and no error
(issue 15, item 8b: an IntegrityError on cases_systemkey_pkey before; PostgreSQL: real locks)."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections, transaction

from cases.models import SystemKey, SystemKeyOwner

THREADS = 8


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises writers; PostgreSQL shows the race")
def test_the_first_use_of_a_system_key_from_eight_connections_creates_one_key() -> None:
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []
    key_ids: list[str] = []

    def first_use() -> None:
        try:
            connection.ensure_connection()  # each thread its own connection, open before the start
            barrier.wait(timeout=10)
            # As in a request (ATOMIC_REQUESTS): the transaction goes on after the key is used.
            with transaction.atomic():
                key_id, _cipher = SystemKeyOwner("race-test").encryption_cipher()
                time.sleep(0.2)
            key_ids.append(key_id)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first_use) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert SystemKey.objects.filter(name="race-test").count() == 1
    assert key_ids == [SystemKey.objects.get(name="race-test").key_id] * THREADS


@pytest.mark.django_db
def test_a_system_key_created_once_encrypts_and_decrypts_across_owners() -> None:
    first_id, first = SystemKeyOwner("round-trip").encryption_cipher()
    second_id, second = SystemKeyOwner("round-trip").encryption_cipher()

    nonce = b"\0" * 12
    assert first_id == second_id
    assert second.decrypt(nonce, first.encrypt(nonce, b"text", b"aad"), b"aad") == b"text"
