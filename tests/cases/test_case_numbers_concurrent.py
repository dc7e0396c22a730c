"""Concurrent case openings get unique, gap-free numbers (PostgreSQL: real row locks)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections

from cases import services
from cases.models import Case, Track
from tests.conftest import YOUTH
from tests.factories import personal_number_for_age

THREADS = 8


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite serialises all writers; PostgreSQL shows the race"
)
def test_concurrent_openings_get_unique_numbers(alice: Any) -> None:
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def open_one(n: int) -> None:
        try:
            barrier.wait(timeout=10)
            services.case_open(
                actor=alice,
                track=Track.SSPF,
                youth={**YOUTH, "personal_number": personal_number_for_age(13, serial=600 + n)},
                district="Centrum",
            )
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=open_one, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    sequences = sorted(Case.objects.values_list("sequence", flat=True))
    assert sequences == list(range(1, THREADS + 1))
    assert Case.objects.values("number").distinct().count() == THREADS
