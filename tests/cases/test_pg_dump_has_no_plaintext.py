"""A full pg_dump of the database, after demo data went in through the API, contains none of the
names, personal numbers, addresses or note texts that were written."""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

import pytest
from django.db import connection

from tests.factories import personal_number_for_age

WRITTEN = {
    "given_name": "Tindra",
    "family_name": "Dumpkontrollsson",
    "address": "Hemliga gränd 12",
    "guardian": "Gunilla Dumpkontrollsson",
    "phone": "070-987 65 43",
    "note": "Anteckning som aldrig får synas i en dump",
    "visit_basis": "Grund för misstanke som aldrig får synas",
}


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql" or not shutil.which("pg_dump"), reason="needs PostgreSQL")
def test_a_database_dump_holds_none_of_the_written_values(alice: Any, petra: Any, client_for: Any) -> None:
    client = client_for(alice)
    pnr = personal_number_for_age(16, serial=909)
    case = client.post(
        "/api/v1/cases/",
        {
            "track": "linkoping",
            "youth": {
                "personal_number": pnr,
                "given_name": WRITTEN["given_name"],
                "family_name": WRITTEN["family_name"],
                "address": WRITTEN["address"],
            },
            "guardians": [{"name": WRITTEN["guardian"], "phone": WRITTEN["phone"], "address": WRITTEN["address"]}],
            "district": "Centrum",
        },
    ).json()
    client.post(f"/api/v1/cases/{case['id']}/members/", {"username": "petra"})
    client.post(f"/api/v1/cases/{case['id']}/notes/", {"text": WRITTEN["note"]})
    visit = client.post(
        f"/api/v1/cases/{case['id']}/visits/",
        {
            "occurred_at": "2026-01-10T18:00:00+01:00",
            "participants": ["alice", "petra"],
            "present": ["youth"],
            "basis": WRITTEN["visit_basis"],
            "notes": WRITTEN["note"],
            "outcome": "ok",
        },
    )
    assert visit.status_code == 201, visit.json()

    settings = connection.settings_dict
    dump = subprocess.run(  # noqa: S603 - fixed arguments
        [
            shutil.which("pg_dump") or "pg_dump",
            "--host",
            settings["HOST"] or "127.0.0.1",
            "--port",
            str(settings["PORT"] or 5432),
            "--username",
            settings["USER"] or "postgres",
            "--no-password",
            settings["NAME"],
        ],
        capture_output=True,
        check=True,
        text=True,
    ).stdout

    assert case["number"] in dump  # the dump is real and holds this case
    for value in [*WRITTEN.values(), pnr, pnr.replace("-", ""), pnr[2:]]:
        assert value not in dump, value
