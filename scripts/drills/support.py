"""What the drills share: a throw-away PostgreSQL, the production-like server, an HTTP client.

Every drill runs against its own PostgreSQL instance (initdb into a temporary directory, a free
loopback port, stopped and removed at the end), never against the shared cluster on 5432, since
the drills stop and restart it. As root the instance runs as the ``postgres`` OS user.
The server is ``make serve`` (gunicorn, DEBUG off) with keys generated for the drill.
"""

from __future__ import annotations

import atexit
import base64
import hashlib
import hmac
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
_ACCESS_500 = re.compile(r'HTTP/[0-9.]+" 500 ')
PYTHON = str(ROOT / ".venv" / "bin" / "python")


_scratch: list[Path] = []


def scratch() -> Path:
    """The drill's scratch directory (server logs), removed when the drill ends."""
    if not _scratch:
        _scratch.append(Path(tempfile.mkdtemp(prefix="sspf-drill-")))
        atexit.register(shutil.rmtree, _scratch[0], ignore_errors=True)
    return _scratch[0]


def wait_until(ready: Callable[[], bool], seconds: float) -> bool:
    """Ask ``ready`` every 0.2 s until it says yes (True) or ``seconds`` have passed (False): how
    every drill waits for something it started to come up."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if ready():
            return True
        time.sleep(0.2)
    return False


def healthy(port: int) -> bool:
    """``/healthz`` answers 200 on ``port`` (the service, or nginx in front of it)."""
    try:
        return request(port, "GET", "/healthz", timeout=2)[0] == 200
    except OSError:
        return False


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def fail(message: str) -> None:
    log(f"FAILED: {message}")
    raise SystemExit(1)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def pg_bindir() -> Path:
    """The newest /usr/lib/postgresql/N/bin (Debian), else where pg_ctl is on the PATH."""
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parts[-3]))
    if versions:
        return versions[-1].parent
    found = shutil.which("pg_ctl")
    if not found:
        fail("PostgreSQL's server binaries (initdb, pg_ctl) are not installed")
    return Path(str(found)).parent


class Postgres:
    """A PostgreSQL instance of the drill's own in a temporary directory (trust on loopback)."""

    def __init__(self) -> None:
        self.bindir = pg_bindir()
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="sspf-drill-pg-"))
        self.data = self.dir / "data"
        self.logfile = self.dir / "postgres.log"
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.dir, "postgres", "postgres")

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, check=check, capture_output=True, text=True)

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8")
        self.start()

    def start(self) -> float:
        """Start and wait until it accepts connections; returns that moment (monotonic)."""
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.logfile), "-o", options, "-w", "-t", "60", "start")
        return time.monotonic()

    def stop(self, mode: str = "fast") -> float:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")
        return time.monotonic()

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def psql(self, database: str, sql: str) -> str:
        result = subprocess.run(
            ["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", self.url(database), "-c", sql],
            check=True,
            capture_output=True,
            text=True,
        )
        return result.stdout.strip()

    def createdb(self, database: str) -> None:
        self.psql("postgres", f'CREATE DATABASE "{database}"')

    def remove(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(self.dir, ignore_errors=True)


SECRETS = ("SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY", "AUDIT_SIGNING_KEY")


def generate_keys() -> dict[str, str]:
    """A fresh installation's secrets (docs/operations.md#keys), never the development ones."""

    def b64() -> str:
        return base64.b64encode(os.urandom(32)).decode()

    return {
        "SECRET_KEY": secrets.token_urlsafe(64),
        "FIELD_ENCRYPTION_KEYS": f"drill:{b64()}",
        "BLIND_INDEX_KEY": b64(),
        "AUDIT_SIGNING_KEY": b64(),
    }


def service_env(database_url: str, keys: dict[str, str] | None) -> dict[str, str]:
    """Production-like: DEBUG off, keys from the environment only (never ``.env.local``)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k.removesuffix("_FILE") not in SECRETS and k not in ("DATABASE_REPLICA_URL", "DATABASE_POOLER")
    }
    env.update(
        SSPF_IGNORE_ENV_FILE="1",
        DEBUG="0",
        SECURE_SSL_REDIRECT="0",
        SECURE_HSTS_SECONDS="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=database_url,
        LOG_LEVEL="WARNING",
    )
    env.update(keys or {})
    return env


def manage(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if check and result.returncode != 0:
        sys.stderr.write(result.stderr[-3000:])
        fail(f"manage.py {args[0]} exited with {result.returncode}")
    return result


def seed(env: dict[str, str]) -> dict[str, Any]:
    manage(env, "migrate", "--noinput", "-v", "0")
    demo = json.loads(manage(env, "seed_demo", "--allow-demo", "--json").stdout)
    return {"users": {user["username"]: user for user in demo["users"]}, "cases": demo["cases"]}


@dataclass
class Server:
    """``make serve`` (gunicorn, DEBUG off) on a free port, its output in a log file."""

    env: dict[str, str]
    workers: int = 2
    threads: int = 1  # per worker (GUNICORN_CMD_ARGS, which gunicorn reads beside make serve's options)
    port: int = field(default_factory=free_port)
    logfile: Path = field(default_factory=lambda: Path(tempfile.mkstemp(dir=scratch(), suffix=".log")[1]))
    process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60) -> None:
        env = {**self.env, "PORT": str(self.port), "WORKERS": str(self.workers)}
        if self.threads > 1:
            env["GUNICORN_CMD_ARGS"] = f"--threads {self.threads}"
        with self.logfile.open("wb") as out:
            process = self.process = subprocess.Popen(
                ["make", "--no-print-directory", "serve"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=out,
                start_new_session=True,
            )
        # Up, or exited (then its log says why, at once rather than after the timeout).
        if wait_until(lambda: process.poll() is not None or healthy(self.port), timeout) and process.poll() is None:
            return
        sys.stderr.write(self.logfile.read_text(errors="replace")[-3000:])
        fail("the server did not come up")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def log_text(self) -> str:
        return self.logfile.read_text(errors="replace")

    def check_no_server_errors(self) -> None:
        """No 500 in the access log and none logged by Django (a 503 is logged, as an expected one)."""
        text = self.log_text()
        errors = [line for line in text.splitlines() if _ACCESS_500.search(line) or "Internal Server Error:" in line]
        if errors:
            fail(f"the server answered {len(errors)} request(s) with 500:\n" + "\n".join(errors[:10]))


def request(
    port: int,
    method: str,
    path: str,
    *,
    token: str | None = None,
    body: Any = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30,
) -> tuple[int, dict[str, str], bytes]:
    """One request on a connection of its own (safe from any thread)."""
    sent = {"Host": "127.0.0.1", "Accept": "application/json", **(headers or {})}
    if token:
        sent["Authorization"] = f"Bearer {token}"
    payload = None
    if body is not None:
        payload = json.dumps(body).encode()
        sent["Content-Type"] = "application/json"
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=payload, headers=sent)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def totp(secret_b32: str, at: float | None = None) -> str:
    """RFC 6238 (SHA-1, 6 digits, 30 s), as an authenticator app computes it."""
    key = base64.b32decode(secret_b32)
    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


_last_step: dict[str, int] = {}


def login(port: int, user: dict[str, Any]) -> str:
    """Sign in with password and a fresh TOTP code (a code is accepted once: a second sign-in
    of the same user waits for the next 30-second step)."""
    while int(time.time() // 30) == _last_step.get(user["username"]):
        time.sleep(0.5)
    _last_step[user["username"]] = int(time.time() // 30)
    body = {"username": user["username"], "password": user["password"], "otp": totp(user["totp_secret"])}
    status, _, raw = request(port, "POST", "/api/v1/auth/login", body=body)
    if status != 200:
        fail(f"login as {user['username']} answered {status}")
    return str(json.loads(raw)["token"])


@contextmanager
def postgres_instance() -> Iterator[Postgres]:
    pg = Postgres()
    try:
        log(f"throw-away PostgreSQL ({pg.bindir}) on port {pg.port} in {pg.dir}")
        pg.init()
        yield pg
    finally:
        pg.remove()
