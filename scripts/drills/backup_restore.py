"""Drill: back up, restore into a fresh database, read it back (``make drill``; docs/operations.md).

On its own PostgreSQL instance: seed the demo, open one more case with recognisable data, read
every case through the API as its social worker and note the audit chain's head. Then:

1. Back up: ``pg_dump`` (plain SQL, so that it can be searched) and, apart from it, the key backup
   (``SECRET_KEY``, ``FIELD_ENCRYPTION_KEYS``, ``BLIND_INDEX_KEY``, ``AUDIT_SIGNING_KEY`` in an
   environment file readable by its owner only).
2. The dump alone reveals nothing: none of the names, personal numbers (in any of their forms),
   addresses, phone numbers or summaries read in the first step, and none of the keys, occur in it.
3. Restore into a fresh database; with the key backup ``verify_audit`` passes and ends at the
   head noted before, and ``make serve`` against it shows every case exactly as before.
4. Without the key backup it fails loudly: with no keys, only ``SECRET_KEY``, another
   installation's keys, or another blind-index key, the server refuses to start and names the
   key at fault (``config/key_check.py`` for the last two).
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from support import (
    SECRETS,
    Postgres,
    Server,
    fail,
    free_port,
    generate_keys,
    log,
    login,
    manage,
    postgres_instance,
    request,
    service_env,
)
from support import seed as seed_demo

DRILL_CASE = {
    "track": "sspf",
    "youth": {"given_name": "Återställda", "family_name": "Säkerhetskopiasson", "address": "Backupvägen 7, Strängnäs"},
    "guardians": [{"name": "Vårdnadshavare Dumpsson", "phone": "070-123 45 67", "address": "Backupvägen 7, Strängnäs"}],
    "district": "Centrum",
    "summary": "Övningens sammanfattning: får inte synas i en dump.",
}


def luhn_number(born: date, serial: int) -> str:
    nine = f"{born:%y%m%d}{serial:03d}"
    total = sum((int(c) * (2 - i % 2)) // 10 + (int(c) * (2 - i % 2)) % 10 for i, c in enumerate(nine))
    return f"{born:%Y%m%d}-{serial:03d}{(10 - total % 10) % 10}"


def read_cases(port: int, token: str, ids: list[str]) -> dict[str, dict[str, Any]]:
    cases = {}
    for case_id in ids:
        status, _, raw = request(port, "GET", f"/api/v1/cases/{case_id}/", token=token)
        if status != 200:
            fail(f"reading case {case_id} answered {status}")
        body = json.loads(raw)
        cases[case_id] = {key: body.get(key) for key in ("number", "youth", "guardians", "summary", "district")}
    return cases


def secrets_of(cases: dict[str, dict[str, Any]]) -> set[str]:
    """Every personal or free-text value read, and each personal number's other spellings."""
    found: set[str] = set()
    for case in cases.values():
        youth = case["youth"] or {}
        found.update(str(youth[k]) for k in ("given_name", "family_name", "address") if youth.get(k))
        number = str(youth.get("personal_number") or "").replace("-", "")
        if number:
            found.update({number, f"{number[:8]}-{number[8:]}", f"{number[2:8]}-{number[8:]}", number[2:]})
        found.update(str(g["name"]) for g in case["guardians"] or [] if g.get("name"))
        if case["summary"]:
            found.add(str(case["summary"]))
    return found


def create_drill_case(port: int, token: str) -> str:
    body = json.loads(json.dumps(DRILL_CASE))
    body["youth"]["personal_number"] = luhn_number(date.today() - timedelta(days=14 * 365 + 40), 417)
    body["guardians"][0]["personal_number"] = luhn_number(date(1984, 3, 9), 231)
    status, _, raw = request(port, "POST", "/api/v1/cases/", token=token, body=body)
    if status != 201:
        fail(f"opening the drill case answered {status}: {raw[:300]!r}")
    return str(json.loads(raw)["id"])


def head(env: dict[str, str]) -> dict[str, Any]:
    result = manage(env, "verify_audit", "--head", check=False)
    if result.returncode != 0:
        fail(f"verify_audit --head failed: {result.stdout[-300:]} {result.stderr[-300:]}")
    return dict(json.loads(result.stdout))


def take_backup(pg: Postgres, database: str, keys: dict[str, str], into: Path) -> tuple[Path, Path]:
    dump = into / "dump" / f"{database}.sql"
    dump.parent.mkdir()
    subprocess.run(["pg_dump", "--no-owner", "--file", str(dump), pg.url(database)], check=True)
    key_backup = into / "keys" / "sspf-keys.env"
    key_backup.parent.mkdir(mode=0o700)
    key_backup.write_text("".join(f"{name}={keys[name]}\n" for name in SECRETS), encoding="utf-8")
    key_backup.chmod(0o600)
    return dump, key_backup


ENCODED_CHARS = r"A-Za-z0-9+/=_\-"


def whole_value(value: str) -> re.Pattern[str]:
    """The value standing on its own. A leaked column, JSON string or COPY field is delimited by
    quotes, tabs, spaces or punctuation; a three-letter name such as "Sam" inside the base64 of a
    session or a password hash is chance (one in 262,144 per position), not a leak, and failed a
    CI run once."""
    return re.compile(rf"(?<![{ENCODED_CHARS}]){re.escape(value)}(?![{ENCODED_CHARS}])")


def search_dump(dump: Path, plaintexts: set[str], keys: dict[str, str], totp_keys: list[str]) -> None:
    text = dump.read_text(encoding="utf-8")
    leaked = sorted(value for value in plaintexts if whole_value(value).search(text))
    if leaked:
        fail(f"the dump holds {len(leaked)} plaintext value(s) read through the API")
    key_values = [keys["SECRET_KEY"], keys["BLIND_INDEX_KEY"], keys["AUDIT_SIGNING_KEY"]]
    key_values += [item.split(":", 1)[1] for item in keys["FIELD_ENCRYPTION_KEYS"].split(",")]
    if any(value in text for value in key_values):
        fail("the dump holds a key")
    log(f"the dump ({dump.stat().st_size // 1024} KiB) holds none of {len(plaintexts)} plaintext values and no key")
    if any(key in text for key in totp_keys):
        fail("the dump holds a TOTP secret in plaintext")
    log(f"the dump holds none of the {len(totp_keys) // 2} TOTP secrets, in base32 or hex")


def restore(pg: Postgres, dump: Path, database: str) -> None:
    pg.createdb(database)
    subprocess.run(
        ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", str(dump), pg.url(database)],
        check=True,
        capture_output=True,
    )


def read_key_backup(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text(encoding="utf-8").splitlines() if "=" in line)
    return {name: value for name, value in pairs}


def without_keys(pg: Postgres, database: str, keys: dict[str, str]) -> None:
    """Without the key backup the server refuses to start, naming the key: none at all, only
    Django's own, another installation's master keys, or the right ones with another blind-index key."""
    other = generate_keys()
    attempts = [
        ({}, "SECRET_KEY", "SECRET_KEY"),
        ({"SECRET_KEY": keys["SECRET_KEY"]}, "FIELD_ENCRYPTION_KEYS", "FIELD_ENCRYPTION_KEYS is not set"),
        (other, "FIELD_ENCRYPTION_KEYS", "FIELD_ENCRYPTION_KEYS cannot decrypt this database"),
        ({**keys, "BLIND_INDEX_KEY": other["BLIND_INDEX_KEY"]}, "BLIND_INDEX_KEY", "BLIND_INDEX_KEY does not match"),
    ]
    for given, named, message in attempts:
        env = {**service_env(pg.url(database), given), "PORT": str(free_port())}
        result = subprocess.run(["make", "--no-print-directory", "serve"], env=env, capture_output=True, text=True)
        if result.returncode == 0 or message not in result.stdout + result.stderr:
            fail(f"with {sorted(given) or 'no keys'} the server did not refuse to start saying {message!r}")
        what = "missing" if named not in given else "not this database's"
        log(f"{named} {what}: the server refuses to start and names it")


def main() -> None:
    started = time.monotonic()
    with postgres_instance() as pg, tempfile.TemporaryDirectory(prefix="sspf-drill-backup-") as scratch:
        pg.createdb("sspf_drill")
        keys = generate_keys()
        env = service_env(pg.url("sspf_drill"), keys)
        demo = seed_demo(env)
        server = Server(env)
        server.start()
        try:
            alice = login(server.port, demo["users"]["alice"])
            ids = [case["id"] for case in demo["cases"]] + [create_drill_case(server.port, alice)]
            before = read_cases(server.port, alice, ids)
        finally:
            server.stop()
        plaintexts = secrets_of(before)
        chain_head = head(env)
        # The TOTP secrets as seed_demo handed them out (base32) and as django-otp keeps them (hex).
        totp_keys = [user["totp_secret"] for user in demo["users"].values()]
        totp_keys += [base64.b32decode(secret).hex() for secret in totp_keys]
        log(f"source: {len(ids)} cases read through the API; audit head {chain_head}")

        dump, key_backup = take_backup(pg, "sspf_drill", keys, Path(scratch))
        log(f"backup: {dump.name} and the key backup {key_backup.name} (mode 600), in separate directories")
        search_dump(dump, plaintexts, keys, totp_keys)

        restore(pg, dump, "sspf_drill_restored")
        restored_env = service_env(pg.url("sspf_drill_restored"), read_key_backup(key_backup))
        verify = manage(restored_env, "verify_audit", check=False)
        if verify.returncode != 0:
            fail(f"verify_audit on the restored database failed: {verify.stdout[-500:]}")
        if head(restored_env) != chain_head:
            fail("the restored audit chain does not end at the head noted before the backup")
        server = Server(restored_env)
        server.start()
        try:
            after = read_cases(server.port, login(server.port, demo["users"]["alice"]), ids)
        finally:
            server.stop()
        server.check_no_server_errors()
        if after != before:
            fail("a restored case reads differently from the original")
        log(f"restored: verify_audit ok, same head, all {len(ids)} cases read back identical through the API")

        without_keys(pg, "sspf_drill_restored", keys)
    log(f"drill passed in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
