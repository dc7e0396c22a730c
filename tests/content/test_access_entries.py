"""A content selector records what it showed with the reader as the actor, whoever called it."""

from __future__ import annotations

from typing import Any

import pytest

from audit.models import AuditEntry, AuditEvent
from content.case import case_detail

pytestmark = pytest.mark.django_db


def test_the_reader_is_the_actor_of_the_access_entry_outside_a_request(case: Any, alice: Any) -> None:
    case_detail(reader=alice, case_id=case.pk)

    entry = AuditEntry.objects.filter(event=AuditEvent.ACCESS, case_ref=case.pk).get()
    assert (entry.actor_id, entry.actor_username) == (alice.pk, "alice")
    assert entry.fields_shown == ["identity", "notes"]
