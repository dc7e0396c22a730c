"""A home visit and its note are audited with one INSERT for both entries (issue 19,
``audit.services.entries_together``): each row still has its own entry, written in the same
transaction as the rows, and nothing is written when the block fails."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction

from audit.models import AuditEntry, AuditEvent
from audit.services import entries_together
from cases.models import AgencyKind, HomeVisit, Note, NoteCategory, VisitNote
from tests.api.test_visits import visit
from tests.conftest import case_url


@pytest.mark.django_db
def test_a_recorded_visit_and_its_note_each_have_their_create_entry(
    linkoping_case: Any, alice: Any, client_for: Any
) -> None:
    case = linkoping_case  # joint home visits are Linköpingsmodellen's
    response = client_for(alice).post(case_url(case, "visits/"), visit(), format="json")

    assert response.status_code == 201
    recorded = HomeVisit.objects.get(pk=response.json()["id"])
    note = VisitNote.objects.get(visit=recorded)
    entries = list(AuditEntry.objects.filter(event=AuditEvent.CREATE, case_ref=case.pk).order_by("id"))
    created = {(e.content_type.model_class(), e.object_pk) for e in entries}
    assert {(HomeVisit, str(recorded.pk)), (VisitNote, str(note.pk))} <= created
    for entry in entries[-2:]:
        assert (entry.actor_username, entry.case_number) == ("alice", case.number)
        assert "Samtalet" not in entry.object_repr + str(entry.changed_fields)  # names, never values
    assert entries[-1].cid == entries[-2].cid  # the same request


@pytest.mark.django_db
def test_a_block_that_fails_inserts_none_of_its_entries(case: Any, alice: Any, agencies: Any) -> None:
    before = AuditEntry.objects.count()

    with pytest.raises(RuntimeError, match="boom"), entries_together():
        agency = agencies[AgencyKind.SOCIAL_SERVICES]
        Note.objects.create(case=case, author=alice, agency=agency, category=NoteCategory.NOTES, text="x")
        raise RuntimeError("boom")

    assert AuditEntry.objects.count() == before
    assert not AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(Note)).exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="transactional tests run on PostgreSQL")
def test_entries_are_gathered_only_inside_a_transaction() -> None:
    """Outside a transaction a row would commit before its entry: refused."""
    with pytest.raises(RuntimeError, match="needs a transaction"), entries_together():
        pass
    with transaction.atomic(), entries_together():
        pass
