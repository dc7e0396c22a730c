"""Concurrent filings get unique, gap-free numbers; of two concurrent decisions on one referral
exactly one wins (PostgreSQL: real row locks)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections

from cases.errors import Conflict
from cases.models import Case
from referrals import services
from referrals.models import Referral
from tests.referrals.helpers import file

THREADS = 8

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="SQLite serialises all writers; PostgreSQL shows the race"
    ),
]


def run_together(count: int, work: Callable[[int], None]) -> list[BaseException]:
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def one(n: int) -> None:
        try:
            barrier.wait(timeout=10)
            work(n)
        except BaseException as exc:  # noqa: BLE001 - reported to the caller
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=one, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return errors


def test_concurrent_filings_get_unique_numbers(sara: Any) -> None:
    errors = run_together(THREADS, lambda n: file(sara, serial=600 + n))

    assert errors == []
    assert sorted(Referral.objects.values_list("sequence", flat=True)) == list(range(1, THREADS + 1))
    assert Referral.objects.values("number").distinct().count() == THREADS


def test_of_two_concurrent_decisions_one_wins(sara: Any, alice: Any, carl: Any) -> None:
    referral = file(sara)
    deciders = [alice, carl]

    def decide(n: int) -> None:
        services.referral_decide(
            actor=deciders[n], referral=referral, decision="open_case", reason="r", track="sspf", district="C"
        )

    errors = run_together(2, decide)

    assert len(errors) == 1 and isinstance(errors[0], Conflict)
    assert Case.objects.count() == 1
    assert Referral.objects.get(pk=referral.pk).case_id == Case.objects.get().pk
