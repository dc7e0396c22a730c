"""A sealed log of a few entries, and the raw SQL to tamper with it as a database superuser could."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import connection

from audit import chain
from audit.models import AuditEntry
from tests.conftest import case_url

TABLES = ["audit_auditentry", "audit_auditchainlink"]


@pytest.fixture
def logged(case: Any, alice: Any, client_for: Any) -> list[int]:
    client = client_for(alice)
    for suffix in ("", "notes/", "visits/", "meetings/"):
        client.get(case_url(case, suffix))
    assert chain.seal() > 0
    return list(AuditEntry.objects.order_by("pk").values_list("pk", flat=True))


def raw(sql: str, params: list[Any] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])


@contextmanager
def triggers_off() -> Iterator[None]:
    """What a database superuser could do: switch the append-only triggers off."""
    if connection.vendor == "postgresql":
        raw("SET CONSTRAINTS ALL IMMEDIATE")  # run the deferred foreign-key checks first
        for table in TABLES:
            raw(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        yield
        for table in TABLES:
            raw(f"ALTER TABLE {table} ENABLE TRIGGER USER")
    else:
        for table in TABLES:
            raw(f"DROP TRIGGER {table}_no_update")
            raw(f"DROP TRIGGER {table}_no_delete")
        yield
