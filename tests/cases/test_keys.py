"""Master-key rotation and crypto-shredding, with real keys and real AES-GCM."""

from __future__ import annotations

import base64
import os
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from cases import crypto, services
from cases.keys import case_key_shred
from cases.models import Case, CaseKey, Note, Youth
from tests.conftest import YOUTH
from tests.factories import personal_number_for_age

pytestmark = pytest.mark.django_db


def new_key(key_id: str) -> str:
    return f"{key_id}:{base64.b64encode(os.urandom(32)).decode()}"


def open_cases(actor: Any, count: int) -> list[Case]:
    return [
        services.case_open(
            actor=actor,
            track="sspf",
            youth={**YOUTH, "personal_number": personal_number_for_age(13, serial=300 + n)},
            district="Centrum",
            summary=f"Sammanfattning {n}",
        )
        for n in range(count)
    ]


def read_all() -> list[tuple[str, str, str]]:
    return sorted(
        (y.case.number, y.given_name, y.case.summary) for y in Youth.objects.select_related("case__key").all()
    )


def test_rotation_then_removing_the_old_key_keeps_everything_readable(alice: Any, settings: Any) -> None:
    old = settings.FIELD_ENCRYPTION_KEYS
    open_cases(alice, 5)
    before = read_all()
    settings.FIELD_ENCRYPTION_KEYS = f"{new_key('next')},{old}"

    out = StringIO()
    call_command("rotate_keys", "--batch-size", "2", stdout=out, stderr=StringIO())

    assert "re-wrapped 5, remaining under older keys 0" in out.getvalue()
    settings.FIELD_ENCRYPTION_KEYS = settings.FIELD_ENCRYPTION_KEYS.split(",")[0]  # the old key is gone
    assert set(CaseKey.objects.values_list("master_key_id", flat=True)) == {"next"}
    assert read_all() == before


def test_every_rewrapped_key_has_its_audit_entry_as_a_save_would(alice: Any, settings: Any) -> None:
    """The batch is written with one bulk_update, past django-auditlog's signals: each key still
    gets the ``update`` entry a save of its own would have had (field names, no values)."""
    from audit.models import AuditEntry

    cases = open_cases(alice, 3)
    settings.FIELD_ENCRYPTION_KEYS = f"{new_key('next')},{settings.FIELD_ENCRYPTION_KEYS}"
    before = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first()

    call_command("rotate_keys", "--batch-size", "2", stdout=StringIO(), stderr=StringIO())

    entries = AuditEntry.objects.filter(pk__gt=before, content_type__model="casekey")
    assert sorted(entries.values_list("object_pk", flat=True)) == sorted(str(c.pk) for c in cases)
    for entry in entries:
        assert (entry.event, entry.action, entry.changed_fields) == ("update", 1, ["master_key_id", "rewrapped_at"])
        assert entry.object_repr == f"data key of case {entry.object_pk}"
        assert not entry.changes and not entry.changes_text


def test_an_interrupted_rotation_loses_nothing_and_continues(alice: Any, settings: Any) -> None:
    old = settings.FIELD_ENCRYPTION_KEYS
    open_cases(alice, 5)
    before = read_all()
    settings.FIELD_ENCRYPTION_KEYS = f"{new_key('next')},{old}"

    first = StringIO()
    call_command("rotate_keys", "--batch-size", "2", "--limit", "3", stdout=first, stderr=StringIO())
    assert "re-wrapped 3, remaining under older keys 2" in first.getvalue()
    assert read_all() == before  # half old, half new: all readable

    second = StringIO()
    call_command("rotate_keys", stdout=second, stderr=StringIO())
    assert "re-wrapped 2, remaining under older keys 0" in second.getvalue()
    again = StringIO()
    call_command("rotate_keys", stdout=again, stderr=StringIO())
    assert "re-wrapped 0, remaining under older keys 0" in again.getvalue()
    settings.FIELD_ENCRYPTION_KEYS = settings.FIELD_ENCRYPTION_KEYS.split(",")[0]
    assert read_all() == before


def test_without_the_old_key_an_unrotated_case_fails_loudly(alice: Any, settings: Any) -> None:
    open_cases(alice, 1)
    settings.FIELD_ENCRYPTION_KEYS = new_key("next")

    with pytest.raises(crypto.DecryptionError, match="not in FIELD_ENCRYPTION_KEYS"):
        read_all()


def test_shredding_one_case_leaves_the_others_readable(alice: Any) -> None:
    shredded, kept = open_cases(alice, 2)
    services.note_add(actor=alice, case=shredded, category="notes", text="borta")

    assert case_key_shred(case=shredded) is True
    assert case_key_shred(case=shredded) is False

    gone = Youth.objects.select_related("case__key").get(case=shredded)
    with pytest.raises(crypto.DecryptionError, match="shredded"):
        _ = gone.family_name
    note = Note.objects.select_related("case__key").get(case=shredded)
    with pytest.raises(crypto.DecryptionError):
        _ = note.text
    assert Youth.objects.select_related("case__key").get(case=kept).family_name == YOUTH["family_name"]


@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.one_of(st.just(""), st.text(max_size=300), st.just("ö" * 100_000)))
def test_any_text_round_trips(alice: Any, text: str) -> None:
    case = Case.objects.filter(owner=alice).select_related("key").first() or open_cases(alice, 1)[0]
    note = services.note_add(actor=alice, case=case, category="notes", text=text or "x")
    services.case_update(actor=alice, case=case, expected_version=case.version, changes={"summary": text})

    stored = Case.objects.select_related("key").get(pk=case.pk)
    assert stored.summary == text
    assert Note.objects.select_related("case__key").get(pk=note.pk).text == (text or "x")
