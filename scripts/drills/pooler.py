"""Drill: the service behind PgBouncer in transaction mode (``make drill-pooler``; docs/operations.md).

Its own PostgreSQL instance, migrated and seeded directly; Debian's ``pgbouncer`` in front of it in
``pool_mode = transaction`` with a server pool smaller than the clients; ``make serve`` (gunicorn
with the sealer, DEBUG off) connected through the pooler with ``DATABASE_POOLER=transaction``
(psycopg's prepared statements off, Django's server-side cursors off). For ``--seconds`` a dozen
clients as the social worker (list cases, read one, add notes), the police officer (her list and
reminders) and the auditor (search and export the audit log: a streamed CSV, the path a
server-side cursor would take). It fails unless every answer was the expected one (no 500, no
connection cut short), every note a client was told was saved is in the database, the streamed
export arrived whole, and the audit chain verifies through the pooler afterwards. Without
``DATABASE_POOLER=transaction`` it fails: the streamed CSV is cut short (its WITH HOLD cursor
outlives the transaction, and the pooler hands the connection on).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from support import (
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
    seed,
    service_env,
    wait_until,
)

DATABASE = "sspf_pool"


class Bouncer:
    """Debian's pgbouncer on a free port in front of ``pg``, as the postgres user (it refuses root)."""

    def __init__(self, pg: Postgres, pool_size: int) -> None:
        self.pg = pg
        self.port = free_port()
        self.dir = pg.dir / "pgbouncer"
        self.dir.mkdir()
        (self.dir / "users.txt").write_text('"postgres" ""\n')
        (self.dir / "pgbouncer.ini").write_text(
            "[databases]\n"
            f"{DATABASE} = host=127.0.0.1 port={pg.port} dbname={DATABASE}\n"
            "[pgbouncer]\n"
            f"listen_addr = 127.0.0.1\nlisten_port = {self.port}\nunix_socket_dir =\n"
            f"auth_type = trust\nauth_file = {self.dir / 'users.txt'}\n"
            f"pool_mode = transaction\ndefault_pool_size = {pool_size}\nmax_client_conn = 200\n"
            f"logfile = {self.dir / 'pgbouncer.log'}\npidfile = {self.dir / 'pgbouncer.pid'}\n"
        )
        if pg.as_root:
            shutil.chown(self.dir, "postgres", "postgres")
            for path in self.dir.iterdir():
                shutil.chown(path, "postgres", "postgres")
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
        if not Path(binary).exists():
            fail("pgbouncer is not installed (Debian: apt-get install pgbouncer)")
        command = [binary, str(self.dir / "pgbouncer.ini")]
        if self.pg.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        probe = ["psql", "-X", "-A", "-t", self.url(), "-c", "SELECT 1"]
        if not wait_until(lambda: subprocess.run(probe, capture_output=True).returncode == 0, 20):
            fail("pgbouncer did not come up:\n" + self.log()[-2000:])

    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{DATABASE}"

    def log(self) -> str:
        path = self.dir / "pgbouncer.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def client_loop(
    port: int, token: str, role: str, case_id: str, until: float, tally: Counter[str], saved: list[str]
) -> None:
    """One client's requests until ``until``; each answer counted as ``role method path status``."""
    n = 0
    while time.monotonic() < until:
        n += 1
        steps: list[tuple[str, str, Any]] = [
            ("GET", "/api/v1/cases/", None),
            ("GET", f"/api/v1/cases/{case_id}/", None),
        ]
        if role == "alice":
            text = f"Anteckning via poolen {threading.get_ident()}-{n}"
            steps.append(("POST", f"/api/v1/cases/{case_id}/notes/", {"text": text}))
        if role == "petra":  # the police see the case only as consent shares it: her list and reminders
            steps = [("GET", "/api/v1/cases/", None), ("GET", "/api/v1/reminders/", None)]
        if role == "audrey":
            steps = [
                ("GET", f"/api/v1/audit/entries/?case={case_id}", None),
                ("GET", "/api/v1/audit/entries.csv", None),
            ]
        for method, path, body in steps:
            status, _headers, raw = request(port, method, path, token=token, body=body)
            tally[f"{role} {method} {path.split('?')[0].replace(case_id, '{id}')} {status}"] += 1
            if method == "POST" and status == 201:
                saved.append(body["text"])
            text = raw.decode()
            if (
                path.endswith(".csv")
                and status == 200
                and not (text.lstrip('"').startswith("id") and text.endswith("\n"))
            ):
                tally["audrey csv not whole"] += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20, help="how long the clients run")
    parser.add_argument("--clients", type=int, default=12)
    parser.add_argument("--pool-size", type=int, default=4, help="server connections per database and user")
    args = parser.parse_args()
    started = time.monotonic()
    with postgres_instance() as pg:
        pg.createdb(DATABASE)
        keys = generate_keys()
        demo = seed(service_env(pg.url(DATABASE), keys))
        bouncer = Bouncer(pg, args.pool_size)
        bouncer.start()
        env = {**service_env(bouncer.url(), keys), "DATABASE_POOLER": "transaction"}
        server = Server(env, workers=2, threads=4)
        server.start()
        try:
            case_id = next(c["id"] for c in demo["cases"] if c["track"] == "linkoping")
            roles = ["alice", "petra", "audrey"]
            tokens = {role: login(server.port, demo["users"][role]) for role in roles}
            tally: Counter[str] = Counter()
            saved: list[str] = []
            notes_before = int(pg.psql(DATABASE, "SELECT count(*) FROM cases_note"))
            until = time.monotonic() + args.seconds
            with ThreadPoolExecutor(args.clients) as pool:
                clients = [
                    pool.submit(client_loop, server.port, tokens[role], role, case_id, until, tally, saved)
                    for role in (roles[n % len(roles)] for n in range(args.clients))
                ]
            for finished in clients:
                error = finished.exception()
                if error is not None:  # a connection cut mid-answer (a streamed CSV), say
                    tally[f"client failed: {type(error).__name__}: {error}"[:200]] += 1
            verify = manage(env, "verify_audit", check=False)
        finally:
            server.stop()
            bouncer.stop()
        log("answers: " + json.dumps(dict(sorted(tally.items())), ensure_ascii=False))
        unexpected = {k: v for k, v in tally.items() if not k.endswith((" 200", " 201"))}
        if unexpected:
            fail(f"unexpected answers through the pooler: {unexpected}\n{server.log_text()[-3000:]}")
        if not saved:
            fail("no note was saved: the load proved nothing")
        added = int(pg.psql(DATABASE, "SELECT count(*) FROM cases_note")) - notes_before
        if added != len(saved):
            fail(f"{len(saved)} notes were answered 201 but {added} were added to the database")
        result = json.loads(verify.stdout or "{}")
        if verify.returncode != 0 or not result.get("ok"):
            fail(f"the audit chain did not verify through the pooler: {verify.stdout[-500:]} {verify.stderr[-500:]}")
        server.check_no_server_errors()
        if "prepared statement" in bouncer.log() or "prepared statement" in server.log_text():
            fail("a prepared statement reached the transaction pooler")
    total = sum(tally.values())
    log(
        f"pooler drill passed in {time.monotonic() - started:.0f} s: {total:,} requests through PgBouncer "
        f"(transaction mode, {args.pool_size} server connections for {args.clients} clients and the sealer), "
        f"{len(saved):,} notes saved and found, {result.get('entries_checked', 0):,} audit entries verified"
    )


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
