"""The health check reports the database, and is never cached."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection

from audit import partitions
from tests.audit.test_retention import write
from tests.contract import ConformingClient

pytestmark = pytest.mark.django_db


def test_health_reports_the_database() -> None:
    response = ConformingClient().get("/healthz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "audit_sealing": "ok",
        "audit_unsealed_seconds": 0,
        "audit_partitions": "ok",
    }
    assert response["Cache-Control"] == "no-store"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="partitioning is PostgreSQL's")
def test_health_asks_for_attention_when_no_month_lies_ahead() -> None:
    """The monthly audit_partitions job lapsed: the next entries would land in the default
    partition. Still 200 (requests are served), one word for the monitor, no count."""
    upcoming = partitions.name_of(partitions.next_month(partitions.month_start(datetime.now(UTC))))
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE audit_auditentry DETACH PARTITION {upcoming}")

    response = ConformingClient().get("/healthz")

    assert response.status_code == 200
    assert response.json()["audit_partitions"] == "attention"


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="partitioning is PostgreSQL's")
def test_health_asks_for_attention_when_entries_lie_in_the_default_partition() -> None:
    write(1, age_days=62)  # two months back: no month partition (migrate made this one onwards)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")  # the statistics trail a commit by a second

    assert ConformingClient().get("/healthz").json()["audit_partitions"] == "attention"
