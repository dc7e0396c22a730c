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
    "consent_reference": "Pärm 77 i kassaskåpet",
    "withdrawal_reason": "Ångrat sig efter samtal",
    "hold_reason": "Pågående förundersökning",
    "assessment": "Bedömning av särskilda omständigheter",
    "emergency_reason": "Akut omhändertagande i natt",
}


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql" or not shutil.which("pg_dump"), reason="needs PostgreSQL")
def test_a_database_dump_holds_none_of_the_written_values(
    alice: Any, petra: Any, carl: Any, olle: Any, client_for: Any
) -> None:
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
            "informed_voluntary": True,
        },
    )
    assert visit.status_code == 201, visit.json()
    from datetime import timedelta

    from django.utils import timezone

    detail = client.get(f"/api/v1/cases/{case['id']}/").json()
    now = timezone.now()
    consent = client.post(
        f"/api/v1/cases/{case['id']}/consents/",
        {
            "giver": "guardian",
            "guardian": detail["guardians"][0]["id"],
            "agencies": ["police"],
            "categories": ["visits"],
            "valid_from": now.isoformat(),
            "valid_until": (now + timedelta(days=30)).isoformat(),
            "method": "written",
            "document_reference": WRITTEN["consent_reference"],
        },
    ).json()
    client.post(f"/api/v1/consents/{consent['id']}/withdraw/", {"reason": WRITTEN["withdrawal_reason"]})
    client.post(f"/api/v1/cases/{case['id']}/members/", {"username": "carl"})
    held = client_for(carl).post(f"/api/v1/cases/{case['id']}/legal-hold/", {"reason": WRITTEN["hold_reason"]})
    assert held.status_code == 201
    disclosed = client.post(
        f"/api/v1/cases/{case['id']}/disclosures/",
        {
            "agency": "police",
            "provision": "osl-10-18a",
            "conditions": {"likely_criminal_activity": True, "helps_prevent": True, "not_unsuitable": True},
            "assessment": WRITTEN["assessment"],
            "categories": ["notes"],
        },
    )
    assert disclosed.status_code == 201
    emergency = client_for(olle).post(
        f"/api/v1/cases/{case['id']}/emergency-access/", {"reason": WRITTEN["emergency_reason"]}
    )
    assert emergency.status_code == 201

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
