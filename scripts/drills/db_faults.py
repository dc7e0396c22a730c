"""Drill: PostgreSQL restarts under a write load (``make drill-db-faults``; docs/operations.md).

Against its own PostgreSQL instance and ``make serve``, client threads open cases, change them
(If-Match), add members, record consents and open an admin page while the database is stopped
for a few seconds and started again (``pg_ctl stop -m fast``), then crashed and restarted
(``-m immediate``). It fails unless:

- no request gets a 500 (or any status besides the expected ones), and every 503 carries
  ``{"detail": ..., "code": "database_unavailable"}`` and ``Retry-After``;
- the service answers a write again within ``--recovery-limit`` seconds (5) of the database
  accepting connections, measured per restart;
- nothing is half-written: every case has its key row and its creation audit entry, every consent
  its creation audit entry, every case whose creation was answered 201 exists, ``verify_audit``
  passes, and then every entry has its chain link, without gaps, each following the one before.
"""

from __future__ import annotations

import argparse
import json
import random
import threading
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from support import (
    Postgres,
    Server,
    fail,
    generate_keys,
    log,
    login,
    manage,
    postgres_instance,
    request,
    seed,
    service_env,
)

EXPECTED = {200, 201, 302, 412, 503}


@dataclass
class Outcome:
    kind: str
    started: float
    ended: float
    status: int  # 0: the client's own error (connection refused or reset by the server)
    body: bytes
    retry_after: str | None


def personal_number(age: int, serial: int) -> str:
    born = date.today() - timedelta(days=age * 365 + 100)
    nine = f"{born:%y%m%d}{serial:03d}"
    total = 0
    for index, char in enumerate(nine):
        product = int(char) * (2 - index % 2)
        total += product // 10 + product % 10
    return f"{born:%Y%m%d}-{serial:03d}{(10 - total % 10) % 10}"


class Load:
    """Client threads that write until stopped, each request's outcome kept."""

    def __init__(self, port: int, token: str, threads: int) -> None:
        self.port, self.token, self.threads = port, token, threads
        self.outcomes: list[Outcome] = []
        self.created: list[str] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.workers = [threading.Thread(target=self._run, args=(n,), daemon=True) for n in range(threads)]

    def _call(self, kind: str, method: str, path: str, body: Any, headers: dict[str, str] | None = None) -> Outcome:
        started = time.monotonic()
        try:
            status, got, raw = request(self.port, method, path, token=self.token, body=body, headers=headers)
        except OSError:
            status, got, raw = 0, {}, b""
        outcome = Outcome(kind, started, time.monotonic(), status, raw, got.get("retry-after"))
        with self.lock:
            self.outcomes.append(outcome)
        return outcome

    def _run(self, number: int) -> None:
        rng = random.Random(number)
        while not self.stopping.is_set():
            youth = {
                "personal_number": personal_number(14, rng.randrange(1, 999)),
                "given_name": "Drill",
                "family_name": "Test",
            }
            body = {"track": "sspf", "youth": youth, "guardians": [{"name": "Förälder Test"}], "district": "Drill"}
            # An admin page too: its session is read in a middleware (the 500 handler's path).
            self._call("admin-page", "GET", "/admin/", None, {"Cookie": "sessionid=drill", "Accept": "text/html"})
            opened = self._call("case-open", "POST", "/api/v1/cases/", body)
            if opened.status != 201:
                time.sleep(0.05)
                continue
            case = json.loads(opened.body)
            with self.lock:
                self.created.append(case["id"])
            path = f"/api/v1/cases/{case['id']}/"
            headers = {"If-Match": f'"{case["version"]}"'}
            self._call("case-update", "PATCH", path, {"summary": "Ändrad under övningen."}, headers)
            self._call("member-add", "POST", path + "members/", {"username": "petra"})
            now = datetime.now(UTC)
            consent = {
                "giver": "guardian",
                "guardian": case["guardians"][0]["id"],
                "agencies": ["police"],
                "categories": ["identity"],
                "valid_from": now.isoformat(),
                "valid_until": (now + timedelta(days=30)).isoformat(),
                "method": "oral",
            }
            self._call("consent-record", "POST", path + "consents/", consent)

    def start(self) -> None:
        for worker in self.workers:
            worker.start()

    def stop(self) -> None:
        self.stopping.set()
        for worker in self.workers:
            worker.join(timeout=60)

    def since(self, moment: float) -> list[Outcome]:
        with self.lock:
            return [o for o in self.outcomes if o.started >= moment]


def recovery(load: Load, up_at: float, limit: float) -> tuple[float, float | None]:
    """(seconds from the database accepting connections to the first write answered 2xx,
    seconds until the last 503 or client error, None without any); waits up to ``limit`` + 5 s for the first."""
    deadline = up_at + limit + 5
    while time.monotonic() < deadline:
        done = [o for o in load.since(up_at) if o.status in (200, 201)]
        if done:
            break
        time.sleep(0.1)
    else:
        fail(f"no write succeeded within {limit + 5:.0f} s of the database coming back")
    first = min(o.ended for o in done) - up_at
    failed = [o.ended for o in load.since(up_at) if o.status in (0, 503)]
    return first, (max(failed) - up_at) if failed else None


def restart(pg: Postgres, load: Load, *, mode: str, outage: float, limit: float) -> dict[str, float | None]:
    down_at = pg.stop(mode)
    log(f"database stopped ({mode}); {outage:.0f} s outage")
    time.sleep(outage)
    up_at = pg.start()
    log("database accepts connections again")
    first, last_failure = recovery(load, up_at, limit)
    time.sleep(max(0.0, limit - (time.monotonic() - up_at)) + 1)  # let the load run past the limit
    late = [o for o in load.since(up_at + limit) if o.status in (0, 503)]
    if late:
        fail(f"{len(late)} request(s) failed more than {limit:.0f} s after the database came back")
    answered = [o for o in load.since(down_at) if o.started < up_at]
    log(
        f"restart ({mode}): {len(answered)} requests during the outage, first write back "
        f"{first:.2f} s after the database, failures after it: "
        + (f"the last at {last_failure:.2f} s" if last_failure is not None else "none")
    )
    last = None if last_failure is None else round(last_failure, 2)
    return {"first_write_s": round(first, 2), "last_failure_s": last}


def check_responses(load: Load) -> dict[str, int]:
    counts: dict[str, int] = {}
    for outcome in load.outcomes:
        key = f"{outcome.kind} {outcome.status}"
        counts[key] = counts.get(key, 0) + 1
        if outcome.status not in EXPECTED | {0}:
            fail(f"{outcome.kind} answered {outcome.status}: {outcome.body[:300]!r}")
        if outcome.status == 503:
            body = json.loads(outcome.body)
            if body.get("code") != "database_unavailable" or not body.get("detail") or set(body) != {"detail", "code"}:
                fail(f"a 503 without the database_unavailable body: {outcome.body[:300]!r}")
            if outcome.retry_after is None or not outcome.retry_after.isdigit():
                fail("a 503 without Retry-After")
    return counts


def check_database(pg: Postgres, database: str, created: list[str]) -> dict[str, int]:
    def count(sql: str) -> int:
        return int(pg.psql(database, sql))

    creation_audited = (
        "EXISTS (SELECT 1 FROM audit_auditentry a JOIN django_content_type t ON t.id = a.content_type_id"
        " WHERE t.app_label = '{app}' AND t.model = '{model}' AND a.object_pk = {row}.id::text AND a.event = 'create')"
    )
    problems = {
        "cases without their key row": count(
            "SELECT count(*) FROM cases_case c WHERE NOT EXISTS (SELECT 1 FROM cases_casekey k WHERE k.case_id = c.id)"
        ),
        "cases without their creation audit entry": count(
            "SELECT count(*) FROM cases_case c WHERE NOT " + creation_audited.format(app="cases", model="case", row="c")
        ),
        "consents without their creation audit entry": count(
            "SELECT count(*) FROM consent_consent s WHERE NOT "
            + creation_audited.format(app="consent", model="consent", row="s")
        ),
    }
    ids = ",".join(f"'{case_id}'" for case_id in created) or "NULL"
    missing = len(set(created)) - count(f"SELECT count(*) FROM cases_case WHERE id IN ({ids})")
    problems["cases answered 201 but not in the database"] = missing
    for what, number in problems.items():
        if number:
            fail(f"{number} {what}")
    return {
        "cases": count("SELECT count(*) FROM cases_case"),
        "consents": count("SELECT count(*) FROM consent_consent"),
        "audit entries": count("SELECT count(*) FROM audit_auditentry"),
    }


def check_chain(pg: Postgres, database: str) -> None:
    """Independently of verify_audit (which has just sealed everything): one link per entry,
    sequence numbers without gaps, each link's prev_hash the hash of the link before."""
    problems = {
        "audit entries without a chain link": "SELECT count(*) FROM audit_auditentry e"
        " WHERE NOT EXISTS (SELECT 1 FROM audit_auditchainlink l WHERE l.entry_id = e.id)",
        "gaps in the chain's sequence": "SELECT coalesce(max(seq) - min(seq) + 1 - count(*), 0)"
        " FROM audit_auditchainlink",
        "links whose prev_hash is not the previous hash": "SELECT count(*) FROM audit_auditchainlink l"
        " JOIN audit_auditchainlink p ON p.seq = l.seq - 1 WHERE l.prev_hash <> p.hash",
    }
    for what, sql in problems.items():
        number = int(pg.psql(database, sql))
        if number:
            fail(f"{number} {what}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--outage", type=float, default=3.0, help="seconds the database stays down")
    parser.add_argument("--recovery-limit", type=float, default=5.0)
    args = parser.parse_args()
    started = time.monotonic()
    with postgres_instance() as pg:
        pg.createdb("sspf_drill")
        env = service_env(pg.url("sspf_drill"), generate_keys())
        demo = seed(env)
        server = Server(env)
        server.start()
        try:
            token = login(server.port, demo["users"]["alice"])
            load = Load(server.port, token, args.threads)
            load.start()
            time.sleep(3)
            results = {
                "fast stop": restart(pg, load, mode="fast", outage=args.outage, limit=args.recovery_limit),
                "crash": restart(pg, load, mode="immediate", outage=1.0, limit=args.recovery_limit),
            }
            time.sleep(2)
            load.stop()
        finally:
            server.stop()
        server.check_no_server_errors()
        counts = check_responses(load)
        totals = check_database(pg, "sspf_drill", load.created)
        verify = manage(env, "verify_audit", check=False)
        if verify.returncode != 0:
            fail(f"verify_audit failed: {verify.stdout[-500:]} {verify.stderr[-500:]}")
        check_chain(pg, "sspf_drill")
    log(f"responses: {json.dumps(counts, sort_keys=True)}")
    log(f"database afterwards: {json.dumps(totals)}; verify_audit ok")
    log(f"recovery (seconds after the database accepted connections): {json.dumps(results)}")
    log(f"drill passed in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
