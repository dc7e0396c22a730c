"""The database refuses changes to the log; with the triggers off (as a superuser could), an
altered, removed or reordered entry is found by verify."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from audit import chain
from audit.models import AuditChainLink, AuditEntry
from tests.conftest import case_url

pytestmark = pytest.mark.django_db

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


def test_an_untouched_log_verifies(logged: list[int]) -> None:
    result = chain.verify()

    assert (result.ok, result.first_bad_entry) == (True, None)
    assert result.entries_checked >= len(logged)
    assert result.head == chain.head()["hash"]


def test_an_altered_entry_is_found(logged: list[int]) -> None:
    target = logged[2]
    with triggers_off():
        raw("UPDATE audit_auditentry SET actor_username = 'mallory' WHERE id = %s", [target])

    result = chain.verify()

    assert (result.ok, result.first_bad_entry, result.problem) == (False, target, "the entry has been altered")


def test_a_removed_entry_is_found(logged: list[int]) -> None:
    target = logged[3]
    with triggers_off():
        raw("DELETE FROM audit_auditchainlink WHERE entry_id = %s", [target])
        raw("DELETE FROM audit_auditentry WHERE id = %s", [target])

    result = chain.verify(seal_first=False)

    assert result.ok is False
    assert result.problem == "a link is missing before this one"


def test_reordered_entries_are_found(logged: list[int]) -> None:
    first, second = AuditChainLink.objects.order_by("seq")[1:3]
    with triggers_off():
        raw("UPDATE audit_auditchainlink SET seq = -1 WHERE seq = %s", [first.seq])
        raw("UPDATE audit_auditchainlink SET seq = %s WHERE seq = %s", [first.seq, second.seq])
        raw("UPDATE audit_auditchainlink SET seq = %s WHERE seq = -1", [second.seq])

    result = chain.verify(seal_first=False)

    assert result.ok is False
    assert result.first_bad_entry == second.entry_id


def test_an_entry_slipped_in_without_a_link_is_found(logged: list[int]) -> None:
    AuditEntry.objects.create(
        content_type_id=AuditEntry.objects.get(pk=logged[0]).content_type_id,
        object_pk="x",
        object_repr="x",
        action=3,
        event="access",
    )

    result = chain.verify(seal_first=False)

    assert result.ok is False
    assert result.problem == "an entry is not in the chain"


def test_the_command_exits_non_zero_on_a_broken_chain(logged: list[int]) -> None:
    with triggers_off():
        raw("UPDATE audit_auditentry SET case_number = 'X' WHERE id = %s", [logged[1]])
    out = StringIO()

    with pytest.raises(SystemExit) as exit_info:
        call_command("verify_audit", stdout=out, stderr=StringIO())

    assert exit_info.value.code == 1
    assert f'"first_bad_entry": {logged[1]}' in out.getvalue()


def test_the_head_can_be_exported(logged: list[int]) -> None:
    out = StringIO()

    call_command("verify_audit", "--head", stdout=out)

    assert chain.head()["hash"] in out.getvalue()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs two concurrent sessions (SQLite serialises writers)"
)
def test_an_entry_committed_during_the_walk_is_not_a_false_alarm(case: Any, alice: Any, client_for: Any) -> None:
    """A writer's transaction takes its entry id, another writer commits a later id, verify
    starts (so the first id is below its bound) and the first writer commits while the chain is
    walked. That is not tampering: verify must answer ok, with the entry sealed."""
    import threading

    from audit.services import record
    from cases.models import Case

    client_for(alice).get(case_url(case))
    taken, go, committed = threading.Event(), threading.Event(), threading.Event()
    late: list[int] = []

    def slow_writer() -> None:
        try:
            with transaction.atomic():
                late.append(record(event="access", model=Case, object_pk=str(case.pk), case=case).pk)
                taken.set()
                go.wait(timeout=30)
            committed.set()
        finally:
            connection.close()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    assert taken.wait(timeout=30)
    later = record(event="access", model=Case, object_pk=str(case.pk), case=case)
    assert later.pk > late[0]

    def during_the_walk(_done: int) -> None:
        go.set()
        assert committed.wait(timeout=30)

    result = chain.verify(progress=during_the_walk, every=1)
    thread.join(timeout=30)

    assert (result.ok, result.first_bad_entry, result.problem) == (True, None, "")
    assert AuditChainLink.objects.filter(entry_id=late[0]).exists()


def test_the_hash_is_the_same_from_an_entry_and_from_its_columns(logged: list[int]) -> None:
    """Seal and verify hash the columns read with values(); anything hashing a model instance
    (chain.canonical) must give the same bytes."""
    for entry in AuditEntry.objects.all():
        row = AuditEntry.objects.filter(pk=entry.pk).values(*chain.HASHED).get()
        assert chain.canonical(entry) == chain.canonical_row(row)


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
