"""The database refuses every change to the log, truncation included."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from audit.models import AuditEntry
from tests.audit.conftest import raw

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditentry SET actor_username = 'someone else'",
        "DELETE FROM audit_auditentry",
        "UPDATE audit_auditchainlink SET hash = 'x'",
        "DELETE FROM audit_auditchainlink",
    ],
)
def test_the_database_refuses_to_change_the_log(logged: list[int], sql: str) -> None:
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        raw(sql)

    assert AuditEntry.objects.count() == len(logged)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no TRUNCATE")
def test_truncate_is_refused_to_the_application_role(logged: list[int]) -> None:
    raw("DO $$ BEGIN CREATE ROLE sspf_app_test NOSUPERUSER; EXCEPTION WHEN duplicate_object THEN NULL; END $$")
    raw("GRANT ALL ON audit_auditentry, audit_auditchainlink, audit_logreviewitem TO sspf_app_test")
    raw("SET CONSTRAINTS ALL IMMEDIATE")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        raw("SET LOCAL ROLE sspf_app_test")
        raw("TRUNCATE audit_auditentry, audit_auditchainlink, audit_logreviewitem")

    assert AuditEntry.objects.count() == len(logged)
