"""Drill: two app servers behind nginx, one killed under load (``make drill-two-servers``;
docs/operations.md#two-app-servers-behind-nginx).

Its own PostgreSQL instance, seeded; two ``make serve`` (gunicorn and a sealer each: the second
sealer waits on the advisory lock, as in production) on free ports; Debian's ``nginx`` on a third
port in front of both (``proxy_next_upstream`` for reads). For ``--seconds`` a bounded ``wrk`` run
reads the police officer's case list through nginx while the social worker's threads add notes; after a third
of the time the first server is killed outright (SIGKILL to gunicorn, its workers and its sealer).
It fails unless: no read failed (nginx retries a read the dead server dropped); no more writes
failed than were in flight when it died (a POST is never retried: it may have committed); every
note answered 201 is in the database, none twice; and the audit chain verifies afterwards (the
surviving sealer took over).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from support import (
    Server,
    fail,
    free_port,
    generate_keys,
    healthy,
    log,
    login,
    manage,
    postgres_instance,
    request,
    seed,
    service_env,
    wait_until,
)

DATABASE = "sspf_two"


class Nginx:
    """Debian's nginx in the foreground with a configuration of its own, in front of ``ports``."""

    def __init__(self, directory: Path, ports: list[int]) -> None:
        self.port = free_port()
        self.dir = directory
        upstream = "".join(f"        server 127.0.0.1:{port} max_fails=1 fail_timeout=30s;\n" for port in ports)
        (directory / "nginx.conf").write_text(
            f"pid {directory / 'nginx.pid'};\n"
            f"error_log {directory / 'error.log'} warn;\n"
            "worker_processes 1;\n"
            "events { worker_connections 256; }\n"
            "http {\n"
            f"    access_log {directory / 'access.log'};\n"
            f"    client_body_temp_path {directory / 'body'};\n"
            f"    proxy_temp_path {directory / 'proxy'};\n"
            "    upstream sspf {\n" + upstream + "    }\n"
            "    server {\n"
            f"        listen 127.0.0.1:{self.port};\n"
            "        location / {\n"
            "            proxy_pass http://sspf;\n"
            "            proxy_set_header Host $host;\n"
            "            proxy_next_upstream error timeout http_502;\n"  # reads only: never a POST
            "            proxy_connect_timeout 2s;\n"
            "        }\n"
            "    }\n"
            "}\n"
        )
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        if not Path(binary).exists():
            fail("nginx is not installed (Debian: apt-get install nginx-light)")
        command = [binary, "-p", str(self.dir), "-c", str(self.dir / "nginx.conf"), "-g", "daemon off;"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not wait_until(lambda: healthy(self.port), 20):
            fail("nginx did not come up:\n" + (self.dir / "error.log").read_text(errors="replace")[-2000:])

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def writer(port: int, token: str, case_id: str, until: float, answers: Counter[str], saved: list[str]) -> None:
    n = 0
    while time.monotonic() < until:
        n += 1
        text = f"Anteckning {threading.get_ident()}-{n}"
        try:
            status, _headers, _raw = request(
                port, "POST", f"/api/v1/cases/{case_id}/notes/", token=token, body={"text": text}, timeout=10
            )
        except OSError as error:
            answers[f"error {type(error).__name__}"] += 1
            continue
        answers[str(status)] += 1
        if status == 201:
            saved.append(text)


def wrk(port: int, token: str, seconds: float) -> dict[str, int]:
    """A bounded wrk run of case-list reads through nginx: requests, non-2xx answers, socket errors."""
    binary = shutil.which("wrk")
    if binary is None:
        fail("wrk is not installed (Debian: apt-get install wrk)")
    result = subprocess.run(
        [
            binary,
            "-t2",
            "-c8",
            f"-d{int(seconds)}s",
            "--timeout",
            "10s",
            "-H",
            f"Authorization: Bearer {token}",
            f"http://127.0.0.1:{port}/api/v1/cases/",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    out = result.stdout
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "requests": requests,
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": sum(int(x) for x in socket.groups()) if socket else 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--writers", type=int, default=4)
    args = parser.parse_args()
    started = time.monotonic()
    with postgres_instance() as pg:
        pg.createdb(DATABASE)
        env = service_env(pg.url(DATABASE), generate_keys())
        demo = seed(env)
        first, second = Server(env, workers=2), Server(env, workers=2)
        first.start()
        second.start()
        proxy_dir = pg.dir / "nginx"
        proxy_dir.mkdir()
        nginx = Nginx(proxy_dir, [first.port, second.port])
        nginx.start()
        try:
            case_id = next(c["id"] for c in demo["cases"] if c["track"] == "linkoping")
            reader, author = login(nginx.port, demo["users"]["petra"]), login(nginx.port, demo["users"]["alice"])
            notes_before = int(pg.psql(DATABASE, "SELECT count(*) FROM cases_note"))
            answers: Counter[str] = Counter()
            saved: list[str] = []
            until = time.monotonic() + args.seconds
            with ThreadPoolExecutor(args.writers + 1) as pool:
                reads = pool.submit(wrk, nginx.port, reader, args.seconds)
                writers = [
                    pool.submit(writer, nginx.port, author, case_id, until, answers, saved) for _ in range(args.writers)
                ]
                time.sleep(args.seconds / 3)
                if first.process is None:
                    fail("the first server has no process to kill")
                os.killpg(first.process.pid, signal.SIGKILL)  # gunicorn, its workers, its sealer
                killed_at = time.monotonic()
                log(f"killed the first server (port {first.port}) {killed_at - (until - args.seconds):.1f} s in")
                read = reads.result()
                for finished in writers:
                    finished.result()
            time.sleep(3)  # the surviving sealer's next rounds
            verify = manage(env, "verify_audit", check=False)
        finally:
            nginx.stop()
            second.stop()
            first.stop()
        added = int(pg.psql(DATABASE, "SELECT count(*) FROM cases_note")) - notes_before
    failed_writes = sum(n for status, n in answers.items() if status != "201")
    log(f"reads through nginx: {json.dumps(read)}; writes: {json.dumps(dict(answers))}; notes added {added}")
    if read["non_2xx"] or read["socket_errors"]:
        fail(f"reads failed while a server died (nginx should have retried them): {read}")
    if failed_writes > args.writers:
        fail(f"{failed_writes} writes failed, more than the {args.writers} that can have been in flight")
    # Every 201 is in the database; a write in flight may have committed before its answer was lost.
    if not len(saved) <= added <= len(saved) + failed_writes:
        fail(f"{len(saved)} notes were answered 201 and {failed_writes} failed, but {added} were added")
    result = json.loads(verify.stdout or "{}")
    if verify.returncode != 0 or not result.get("ok"):
        fail(f"the audit chain did not verify after the kill: {verify.stdout[-500:]} {verify.stderr[-500:]}")
    second.check_no_server_errors()
    log(
        f"two-server drill passed in {time.monotonic() - started:.0f} s: {read['requests']:,} reads and "
        f"{sum(answers.values()):,} writes through nginx, one server killed under load; {failed_writes} "
        f"write(s) in flight failed, {added:,} notes added, none lost"
    )


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
