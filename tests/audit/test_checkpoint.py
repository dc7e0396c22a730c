"""A verify that holds leaves a signed checkpoint, and the next verify continues from it: it walks
only the links after it, yet still finds what changed there, refuses a checkpoint whose
signature or link does not hold, and a full verify still walks everything (issue 19)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import DatabaseError, transaction
from django.utils import timezone

from audit import chain
from audit.models import AuditChainLink, AuditCheckpoint, AuditEntry
from audit.signing import signature_valid
from tests.audit.conftest import raw, triggers_off
from tests.conftest import case_url

pytestmark = pytest.mark.django_db


def _more(case: Any, alice: Any, client_for: Any) -> list[int]:
    """Two more reads, sealed; their entry ids."""
    before = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first()
    for suffix in ("", "notes/"):
        client_for(alice).get(case_url(case, suffix))
    chain.seal()
    return list(AuditEntry.objects.filter(pk__gt=before).order_by("pk").values_list("pk", flat=True))


def test_a_verify_that_holds_leaves_a_signed_checkpoint(logged: list[int]) -> None:
    result = chain.verify()

    checkpoint = AuditCheckpoint.objects.get()
    assert result.ok and result.from_seq == 1
    assert (checkpoint.head_hash, checkpoint.seq) == (result.head, chain.head()["seq"])
    assert checkpoint.entries_below >= logged[-1]
    assert signature_valid(checkpoint)


def test_the_next_verify_walks_only_the_links_after_it(
    logged: list[int], case: Any, alice: Any, client_for: Any
) -> None:
    first = chain.verify()
    added = _more(case, alice, client_for)

    second = chain.verify()

    assert second.ok
    assert second.from_seq == first.entries_checked + 1
    assert second.entries_checked == chain.head()["seq"] - first.entries_checked
    assert second.entries_checked >= len(added)
    assert second.head == chain.head()["hash"]
    assert AuditCheckpoint.objects.count() == 2


def test_an_entry_altered_after_the_checkpoint_is_found(
    logged: list[int], case: Any, alice: Any, client_for: Any
) -> None:
    chain.verify()
    target = _more(case, alice, client_for)[0]
    with triggers_off():
        raw("UPDATE audit_auditentry SET actor_username = 'mallory' WHERE id = %s", [target])

    result = chain.verify()

    assert (result.ok, result.first_bad_entry, result.problem) == (False, target, "the entry has been altered")


def test_before_the_checkpoint_only_a_full_verify_looks(logged: list[int]) -> None:
    chain.verify()
    target = logged[1]
    with triggers_off():
        raw("UPDATE audit_auditentry SET actor_username = 'mallory' WHERE id = %s", [target])

    assert chain.verify().ok  # vouched for by the checkpoint: the trade-off docs/audit.md names
    full = chain.verify(from_checkpoint=False)

    assert (full.ok, full.first_bad_entry, full.from_seq) == (False, target, 1)


def test_a_rewritten_chain_under_the_checkpoint_is_refused(logged: list[int]) -> None:
    chain.verify()
    newest = chain.head()["seq"]
    with triggers_off():
        raw("UPDATE audit_auditchainlink SET hash = %s WHERE seq = %s", ["f" * 64, newest])

    result = chain.verify()

    assert result.ok is False
    assert result.problem == chain.MSG_REWRITTEN


def test_a_forged_checkpoint_is_refused(logged: list[int]) -> None:
    chain.verify()
    head = chain.head()
    AuditCheckpoint.objects.create(
        seq=head["seq"],
        entry_id=logged[-1],
        head_hash=head["hash"],
        entries_below=10**12,  # would hide every unchained entry below it
        verified_at=timezone.now(),
        signature="0" * 64,
    )

    result = chain.verify()

    assert (result.ok, result.problem) == (False, "the checkpoint's signature does not hold")


def test_checkpoints_are_append_only(logged: list[int]) -> None:
    chain.verify()
    checkpoint = AuditCheckpoint.objects.get()

    for statement in ("UPDATE audit_auditcheckpoint SET seq = 1", "DELETE FROM audit_auditcheckpoint"):
        with pytest.raises(DatabaseError), transaction.atomic():
            raw(statement)
    assert AuditCheckpoint.objects.get().seq == checkpoint.seq


def test_the_sealer_looks_back_for_late_commits_only_now_and_then(logged: list[int]) -> None:
    """An entry below the newest sealed one without a link (a late commit, as the sealer sees it):
    the round without look-back leaves it (an index range only), the look-back links it."""
    late = logged[2]
    with triggers_off():
        raw("DELETE FROM audit_auditchainlink WHERE seq = (SELECT MAX(seq) FROM audit_auditchainlink)")
        raw("DELETE FROM audit_auditchainlink WHERE entry_id = %s", [late])
    newest = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first()

    assert chain.seal(lookback=False) == 1  # the newest entry, above every link left
    assert not AuditChainLink.objects.filter(entry_id=late).exists()
    assert chain.seal(lookback=True) == 1
    assert AuditChainLink.objects.filter(entry_id=late).exists()
    assert AuditChainLink.objects.filter(entry_id=newest).exists()


def _rewrite_from(entry_id: int) -> None:
    """What someone with the triggers off and no key can do: change an entry and recompute every
    later link (the links are an unkeyed SHA-256), so the chain verifies link by link."""
    with triggers_off():
        raw("UPDATE audit_auditentry SET actor_username = 'mallory' WHERE id = %s", [entry_id])
        prev = chain.GENESIS
        for link in AuditChainLink.objects.order_by("seq"):
            row = AuditEntry.objects.filter(pk=link.entry_id).values(*chain.HASHED).get()
            digest = chain.row_hash(prev, row)
            raw(
                "UPDATE audit_auditchainlink SET prev_hash = %s, hash = %s WHERE seq = %s",
                [prev, digest, link.seq],
            )
            prev = digest


def test_a_full_verify_does_not_launder_a_chain_a_checkpoint_caught_rewritten(logged: list[int]) -> None:
    """Found by an outside review: the default verify refused the rewritten chain, and the full
    verify it pointed to called it whole and signed a new checkpoint over it."""
    chain.verify()
    _rewrite_from(logged[1])

    default, full = chain.verify(), chain.verify(from_checkpoint=False)

    assert (default.ok, default.problem) == (False, chain.MSG_REWRITTEN)
    assert (full.ok, full.problem) == (False, chain.MSG_REWRITTEN)
    assert AuditCheckpoint.objects.count() == 1  # nothing new signed over the rewrite


def test_a_chain_cut_short_below_a_checkpoint_is_found(logged: list[int]) -> None:
    chain.verify()
    newest = chain.head()["seq"]
    with triggers_off():
        raw("DELETE FROM audit_auditchainlink WHERE seq = %s", [newest])
        raw("DELETE FROM audit_auditentry WHERE id = %s", [logged[-1]])

    result = chain.verify(from_checkpoint=False, seal_first=False)

    assert (result.ok, result.problem) == (False, "the chain is shorter than a signed checkpoint says")
