"""With the triggers off, verify finds an altered, removed, reordered or unchained entry; a late commit is no alarm."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection, transaction

from audit import chain
from audit.models import AuditChainLink, AuditEntry
from tests.audit.conftest import raw, triggers_off
from tests.conftest import case_url

pytestmark = pytest.mark.django_db


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


def test_entries_far_apart_in_number_are_each_checked(
    logged: list[int], case: Any, alice: Any, client_for: Any
) -> None:
    """Verify reads a chunk's entries as ranges of ids (``chain._id_runs``): an entry after a gap
    of more than ``ID_RUN_GAP`` numbers (a sequence that jumped) is read and checked too."""
    template = AuditEntry.objects.get(pk=logged[-1])
    template.pk = logged[-1] + 3 * chain.ID_RUN_GAP
    template.save(force_insert=True)
    client_for(alice).get(case_url(case))  # and one more after it
    assert chain.seal() == 2
    assert chain.verify().ok is True
    with triggers_off():
        raw("UPDATE audit_auditentry SET actor_username = 'mallory' WHERE id = %s", [template.pk])

    result = chain.verify(from_checkpoint=False)

    assert (result.ok, result.first_bad_entry, result.problem) == (False, template.pk, "the entry has been altered")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite's key is the id alone")
@pytest.mark.parametrize("later", [True, False])
def test_a_second_entry_with_a_sealed_entrys_number_is_found(logged: list[int], later: bool) -> None:
    """The partitioned table's key is (id, timestamp): a forged row beside a sealed one, dated
    after or before it, is no longer refused by the key, so verify must find it (the app role
    may not write an id at all: tests/audit/test_partitions.py)."""
    target = logged[1]
    moved = "+ interval '1 second'" if later else "- interval '1 second'"
    columns = [f'"{field.column}"' for field in AuditEntry._meta.concrete_fields]
    forged = {'"timestamp"': f'"timestamp" {moved}', '"actor_username"': "'mallory'"}
    chosen = ", ".join(forged.get(column, column) for column in columns)
    raw(
        f"INSERT INTO audit_auditentry ({', '.join(columns)}) SELECT {chosen} FROM audit_auditentry WHERE id = %s",  # noqa: S608
        [target],
    )

    result = chain.verify()

    assert (result.ok, result.first_bad_entry, result.problem) == (False, target, chain.MSG_ID_TWICE)


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
