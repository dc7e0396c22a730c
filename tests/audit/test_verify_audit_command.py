"""verify_audit exits non-zero on a broken chain, and exports the chain's head."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from audit import chain
from tests.audit.conftest import raw, triggers_off

pytestmark = pytest.mark.django_db


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
