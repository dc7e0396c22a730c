"""A real streaming replica of the local PostgreSQL (``make replica``, ``make replica-stop``;
docs/operations.md#a-read-replica).

``start``: ``pg_basebackup -R -X stream`` of the cluster at ``--primary-port`` (5432) into
``--dir`` and a hot standby on ``--port`` (5433), as the ``postgres`` OS user when run as root.
The primary must accept replication connections from loopback: when its ``pg_hba.conf`` lacks
such a line and is writable here, one line (``host replication all 127.0.0.1/32 trust``) is added
and the configuration reloaded, and the script says so. Waits until the primary reports the
replica as streaming and prints the ``DATABASE_REPLICA_URL`` to use. Re-running it while the
replica runs changes nothing. ``stop``: stops the standby and removes its directory.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from support import fail, log, pg_bindir

HBA_LINE = "host replication all 127.0.0.1/32 trust"


def as_postgres(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def psql(port: int, sql: str, database: str = "postgres") -> subprocess.CompletedProcess[str]:
    url = f"postgres://postgres@127.0.0.1:{port}/{database}"
    return subprocess.run(["psql", "-X", "-A", "-t", url, "-c", sql], capture_output=True, text=True)


def running_standby(port: int) -> bool:
    answer = psql(port, "SELECT pg_is_in_recovery()")
    return answer.returncode == 0 and answer.stdout.strip() == "t"


def allow_replication(primary: int) -> None:
    hba = psql(primary, "SHOW hba_file")
    if hba.returncode != 0:
        fail(f"the primary on port {primary} does not answer: {hba.stderr.strip()}")
    path = Path(hba.stdout.strip())
    lines = path.read_text().splitlines() if path.exists() else []
    if any(re.match(r"^\s*host\s+replication\s+\S+\s+127\.0\.0\.1/32\s+trust", line) for line in lines):
        return
    if not os.access(path, os.W_OK):
        fail(f"the primary refuses replication from loopback; add to {path}: {HBA_LINE}")
    path.write_text("\n".join([HBA_LINE, *lines]) + "\n")
    psql(primary, "SELECT pg_reload_conf()")
    log(f"added to {path} (replication from loopback only): {HBA_LINE}")


def start(args: argparse.Namespace) -> None:
    if running_standby(args.port):
        log(f"a replica already runs on port {args.port}")
    else:
        allow_replication(args.primary_port)
        directory = Path(args.dir)
        if directory.exists():
            shutil.rmtree(directory)
        directory.mkdir(parents=True)
        if os.geteuid() == 0:
            shutil.chown(directory, "postgres", "postgres")
        data = directory / "data"
        bindir = pg_bindir()
        started = time.monotonic()
        subprocess.run(
            as_postgres(
                [
                    str(bindir / "pg_basebackup"),
                    f"--dbname=postgres://postgres@127.0.0.1:{args.primary_port}/postgres",
                    "-D",
                    str(data),
                    "-R",
                    "-X",
                    "stream",
                    "--checkpoint=fast",
                ]
            ),
            check=True,
        )
        log(f"base backup taken in {time.monotonic() - started:.1f} s")
        # Debian keeps a cluster's configuration in /etc/postgresql, outside the data directory the
        # backup copies: the standby gets its own (its settings on the command line below).
        for name, text in {
            "postgresql.conf": "# settings: make replica's command line\n",
            "pg_hba.conf": "local all all trust\nhost all all 127.0.0.1/32 trust\n",
            "pg_ident.conf": "",
        }.items():
            target = data / name
            if not target.exists():
                target.write_text(text)
                if os.geteuid() == 0:
                    shutil.chown(target, "postgres", "postgres")
        options = f"-p {args.port} -k {directory} -c listen_addresses=127.0.0.1 -c hot_standby=on"
        pg_ctl = [str(bindir / "pg_ctl"), "-D", str(data), "-l", str(directory / "replica.log"), "-o", options]
        subprocess.run(as_postgres([*pg_ctl, "-w", "-t", "60", "start"]), check=True, capture_output=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        state = psql(args.primary_port, "SELECT state FROM pg_stat_replication WHERE state = 'streaming'")
        if state.returncode == 0 and "streaming" in state.stdout:
            break
        time.sleep(0.2)
    else:
        fail("the replica did not start streaming within 30 s")
    log(f"streaming replica of port {args.primary_port} on port {args.port} ({args.dir})")
    print(f"DATABASE_REPLICA_URL=postgres://postgres@127.0.0.1:{args.port}/<the primary's database name>")


def stop(args: argparse.Namespace) -> None:
    data = Path(args.dir) / "data"
    if data.exists():
        subprocess.run(
            as_postgres([str(pg_bindir() / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
            capture_output=True,
        )
    shutil.rmtree(args.dir, ignore_errors=True)
    log(f"replica on port {args.port} stopped and removed")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["start", "stop"])
    parser.add_argument("--primary-port", type=int, default=5432)
    parser.add_argument("--port", type=int, default=int(os.environ.get("REPLICA_PORT", "5433")))
    default_dir = os.environ.get("REPLICA_DIR") or str(Path(tempfile.gettempdir()) / "sspf-replica")
    parser.add_argument("--dir", default=default_dir)
    args = parser.parse_args()
    if args.action == "start":
        start(args)
    else:
        stop(args)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
