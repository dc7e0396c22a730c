"""Drill: lost updates and a read racing a withdrawal (``make drill-concurrency``; docs/testing.md).

Against its own PostgreSQL instance and ``make serve`` with 4 worker processes of 4 threads each
(16 requests at once, each thread with its own database connection). It fails unless:

- ``--edits`` (1,000) concurrent ``PATCH /cases/{id}/`` carrying the same ``If-Match`` let exactly
  one through (``200``) and answer every other ``412``; the case's version rose by one, it holds
  the winner's change, and exactly one update audit entry was written;
- while ``--readers`` threads read a case as the police officer, the social worker withdraws the
  consent that shares it (``--rounds`` times, a new consent recorded before each): no read that
  started after the withdrawal was answered shows the youth's identity or the summary (reads
  before it do, or the drill proves nothing).
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from support import Postgres, Server, fail, generate_keys, log, login, postgres_instance, request, seed, service_env

CONTENT_KEYS = ("youth", "summary", "guardians")


def update_entries(pg: Postgres, database: str, case_id: str) -> int:
    return int(
        pg.psql(
            database,
            "SELECT count(*) FROM audit_auditentry a JOIN django_content_type t ON t.id = a.content_type_id"
            f" WHERE t.app_label = 'cases' AND t.model = 'case' AND a.object_pk = '{case_id}' AND a.event = 'update'",
        )
    )


def one_etag(pg: Postgres, database: str, port: int, token: str, case_id: str, edits: int, threads: int) -> str:
    path = f"/api/v1/cases/{case_id}/"
    status, headers, raw = request(port, "GET", path, token=token)
    if status != 200:
        fail(f"reading the case answered {status}")
    etag, version = headers["etag"], json.loads(raw)["version"]
    audited_before = update_entries(pg, database, case_id)
    gate = threading.Barrier(threads)

    def edit(number: int) -> tuple[int, int]:
        if number < threads:
            gate.wait()  # the first wave leaves together
        body = {"summary": f"Ändring nummer {number} i övningen."}
        status, _, _ = request(port, "PATCH", path, token=token, body=body, headers={"If-Match": etag}, timeout=120)
        return number, status

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        results = list(pool.map(edit, range(edits)))
    seconds = time.monotonic() - started
    statuses: dict[int, int] = {}
    for _, status in results:
        statuses[status] = statuses.get(status, 0) + 1
    winners = [number for number, status in results if status == 200]
    if statuses != {200: 1, 412: edits - 1}:
        fail(f"{edits} edits with one ETag answered {statuses}, not one 200 and {edits - 1} 412")
    _, _, raw = request(port, "GET", path, token=token)
    after = json.loads(raw)
    if after["version"] != version + 1 or after["summary"] != f"Ändring nummer {winners[0]} i övningen.":
        fail(f"the case is at version {after['version']} (was {version}) or does not hold the winner's change")
    written = update_entries(pg, database, case_id) - audited_before
    if written != 1:
        fail(f"{written} update audit entries for one accepted edit")
    return f"{edits} edits with one ETag in {seconds:.1f} s: {statuses}; version {version} -> {after['version']}"


def shows_content(status: int, raw: bytes) -> bool:
    if status != 200:
        return False
    body = json.loads(raw)
    return any(body.get(key) for key in CONTENT_KEYS)


def active_consent(port: int, writer: str, case_id: str, *, record: bool) -> str:
    """The id of the case's one active consent; with ``record``, one is recorded first (the
    guardian's, oral, identity for the police: identity needs no signed form)."""
    if record:
        _, _, raw = request(port, "GET", f"/api/v1/cases/{case_id}/", token=writer)
        now = datetime.now(UTC)
        consent = {
            "giver": "guardian",
            "guardian": json.loads(raw)["guardians"][0]["id"],
            "agencies": ["police"],
            "categories": ["identity"],
            "valid_from": now.isoformat(),
            "valid_until": (now + timedelta(days=30)).isoformat(),
            "method": "oral",
        }
        status, _, raw = request(port, "POST", f"/api/v1/cases/{case_id}/consents/", token=writer, body=consent)
        if status != 201:
            fail(f"recording a consent answered {status}: {raw[:300]!r}")
    status, _, raw = request(port, "GET", f"/api/v1/cases/{case_id}/consents/", token=writer)
    active = [c for c in json.loads(raw) if c["status"] == "active"] if status == 200 else []
    if len(active) != 1:
        fail(f"expected one active consent on the case, found {len(active)} (status {status})")
    return str(active[0]["id"])


def race_once(port: int, reader: str, writer: str, case_id: str, consent_id: str, readers: int) -> list[int]:
    """One withdrawal amid reads; returns [reads that showed content before it, overlapping, after]."""
    path = f"/api/v1/cases/{case_id}/"
    if not shows_content(*request(port, "GET", path, token=reader)[::2]):
        fail("the police officer does not see the case before the withdrawal: the drill would prove nothing")
    reads: list[tuple[float, float, int, bool]] = []
    lock = threading.Lock()
    stopping = threading.Event()

    def read_loop() -> None:
        while not stopping.is_set():
            started = time.monotonic()
            status, _, raw = request(port, "GET", path, token=reader)
            with lock:
                reads.append((started, time.monotonic(), status, shows_content(status, raw)))

    threads = [threading.Thread(target=read_loop, daemon=True) for _ in range(readers)]
    for thread in threads:
        thread.start()
    time.sleep(1)
    sent = time.monotonic()
    withdraw = f"/api/v1/consents/{consent_id}/withdraw/"
    status, _, _ = request(port, "POST", withdraw, token=writer, body={"reason": "Övning: återkallat."})
    committed = time.monotonic()  # the answer comes after the commit (one transaction per request)
    if status != 200:
        fail(f"the withdrawal answered {status}")
    time.sleep(1)
    stopping.set()
    for thread in threads:
        thread.join(timeout=60)
    unexpected = {status for _, _, status, _ in reads} - {200, 403}
    if unexpected:
        fail(f"reads answered {unexpected}")
    late = [r for r in reads if r[0] >= committed and r[3]]
    if late:
        fail(f"{len(late)} read(s) started after the withdrawal committed and still showed content")
    before = sum(1 for r in reads if r[1] <= sent and r[3])
    after = sum(1 for r in reads if r[0] >= committed)
    if not before or not after:
        fail(f"too few reads around the withdrawal to prove anything ({before} before, {after} after)")
    return [before, sum(1 for r in reads if r[0] < committed and r[1] > sent), after]


def read_race(port: int, reader: str, writer: str, case_id: str, readers: int, rounds: int) -> str:
    totals = [0, 0, 0]
    for number in range(rounds):
        consent_id = active_consent(port, writer, case_id, record=number > 0)
        counts = race_once(port, reader, writer, case_id, consent_id, readers)
        totals = [a + b for a, b in zip(totals, counts, strict=True)]
    return (
        f"{rounds} withdrawals amid reads by {readers} threads: {totals[0]} reads showed content before, "
        f"{totals[1]} overlapped a withdrawal, {totals[2]} started after one and showed nothing"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=50, help="client threads for the edits")
    parser.add_argument("--readers", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=5, help="withdrawals, each amid reads")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--server-threads", type=int, default=4, help="threads per worker (own connections)")
    args = parser.parse_args()
    started = time.monotonic()
    with postgres_instance() as pg:
        pg.createdb("sspf_drill")
        env = service_env(pg.url("sspf_drill"), generate_keys())
        demo = seed(env)
        server = Server(env, workers=args.workers, threads=args.server_threads)
        server.start()
        try:
            alice = login(server.port, demo["users"]["alice"])
            petra = login(server.port, demo["users"]["petra"])
            shared: dict[str, Any] = demo["cases"][0]  # the demo case whose consent shares it with the police
            other: dict[str, Any] = demo["cases"][1]
            log(one_etag(pg, "sspf_drill", server.port, alice, other["id"], args.edits, args.threads))
            log(read_race(server.port, petra, alice, shared["id"], args.readers, args.rounds))
        finally:
            server.stop()
        server.check_no_server_errors()
    log(f"drill passed in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
