"""An audit entry that cannot be written fails its request, and a value is never cut to fit."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from audit.models import AuditEntry
from tests.conftest import case_url

pytestmark = pytest.mark.django_db


def test_a_read_whose_audit_entry_cannot_be_written_fails(
    case: Any, alice: Any, client_for: Any, monkeypatch: Any
) -> None:
    """A response with case content never goes out without its audit entry."""
    from django.db import connection

    client = client_for(alice)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE audit_auditentry ADD CONSTRAINT refuse_all CHECK (id < 0) NOT VALID")
        else:
            cursor.execute(
                "CREATE TRIGGER refuse_insert BEFORE INSERT ON audit_auditentry "
                "BEGIN SELECT RAISE(ABORT, 'audit store unavailable'); END"
            )
    client.raise_request_exception = False

    response = client.get(case_url(case))

    assert response.status_code == 500
    assert "Exempelsson" not in response.content.decode()


@pytest.mark.parametrize("write", ["record", "record_access"])
def test_an_over_long_value_is_refused_not_cut(case: Any, write: str) -> None:
    """The fast audit writes must fail like an ORM insert would when a value does not fit its
    column (PostgreSQL), never store a shortened value."""
    from audit import context
    from audit.services import record, record_access
    from cases.models import Case

    if connection.vendor != "postgresql":
        pytest.skip("SQLite does not enforce varchar lengths")
    token = context.begin(remote_addr="", correlation_id="x" * 300)  # the column holds 255
    try:
        with pytest.raises(DatabaseError), transaction.atomic():
            if write == "record":
                record(event="access", model=Case, object_pk=str(case.pk), case=case)
            else:
                record_access(cases_shown={case: {"identity"}}, view="test")
    finally:
        context.end(token)
    assert not AuditEntry.objects.filter(cid__startswith="xxx").exists()
