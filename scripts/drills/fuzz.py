"""Drill: schemathesis against the live service, once per role (``make fuzz``, ``make fuzz-ci``;
docs/testing.md).

Its own PostgreSQL instance, migrated and seeded with the demo, and ``make serve`` (gunicorn with
the sealer, DEBUG off) on a free port. For each role (social worker, coordinator, police, school,
auditor, and no token at all) schemathesis reads the service's own OpenAPI schema and sends
``--examples`` generated requests per operation (``--phases``: examples, coverage, fuzzing), then
runs its stateful phase (sequences of calls along the links it infers: a case opened, then read,
changed, given a consent ...) for ``--stateful-seconds``; last, the social worker fuzzes with an
outsider as her peer (object-level authorization). Every check runs, with schemathesis.toml. It
fails on any failed check and on any 500 in the server's log, and prints per run what ran.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from support import ROOT, Server, fail, generate_keys, log, login, postgres_instance, scratch, seed, service_env

ROLES = ["alice", "carl", "petra", "sara", "audrey", None]  # None: unauthenticated
# Operations that end the token the run uses (the run would go on as an outsider) or start the
# enrolment flow that locks the username out after five tries: fuzzed unauthenticated only.
SESSION_ENDING = r"^/api/v1/auth/(logout|enrol)"
# Every check runs. Where the schema cannot say what the server checks, schemathesis.toml (found
# in the repository's root) says which answers count, each with its reason, and fuzz_hooks.py
# teaches the generator the formats the schema names (a personnummer, dates within 1901-2099).
HOOKS = Path(__file__).resolve().parent / "fuzz_hooks.py"
CONFIG = ROOT / "schemathesis.toml"
# object_level_authorization needs peers: one user's objects replayed as another's. The social
# worker alice fuzzes, and each object she read is asked for as olle, a social worker of the same
# authority on none of her teams, who must get none of them (404). Adding a member is left out of
# that run: it is the one lawful way alice shares a case with olle (the fuzzer found it, and then
# flagged olle's read of the case she had added him to).
OWNER, PEER = "alice", "olle"
MEMBER_ADD = r"^/api/v1/cases/\{case_id\}/members/$"


def peers_config(directory: Path, tokens: dict[str, str]) -> Path:
    """schemathesis.toml with a Web Fuzzing Commons auth file naming the two peers (0600: tokens)."""
    auth = directory / "peers.json"
    users = [
        {"name": name, "fixedHeaders": [{"name": "Authorization", "value": f"Bearer {token}"}]}
        for name, token in tokens.items()
    ]
    auth.write_text(json.dumps({"auth": users}))
    auth.chmod(0o600)
    config = directory / "schemathesis-peers.toml"
    config.write_text(
        CONFIG.read_text() + f'\n[auth.wfc]\npath = "{auth}"\nuser = "{OWNER}"\npeers = {json.dumps(list(tokens))}\n'
    )
    return config


def run(
    name: str, port: int, config: Path, options: list[str], examples: int, workers: int, seconds: int, phases: str
) -> tuple[bool, str]:
    """One schemathesis run with the checks ``config`` sets, and ``options`` after the common ones."""
    command = [
        str(ROOT / ".venv" / "bin" / "st"),
        "--config-file",
        str(config),
        "run",
        f"http://127.0.0.1:{port}/api/schema/",
        "--checks",
        "all",
        "--phases",
        phases,
        "--max-examples",
        str(examples),
        "--workers",
        str(workers),
        "--max-time",
        str(seconds),
        "--request-timeout",
        "30",
        "--suppress-health-check",
        "all",
        "--no-color",
        "--output-truncate",
        "true",
        *options,
    ]
    started = time.monotonic()
    env = {**os.environ, "SCHEMATHESIS_HOOKS": str(HOOKS)}
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=env)
    output = result.stdout + result.stderr
    summary = [line for line in output.splitlines() if re.search(r"\b(passed|failed|errors?|skipped)\b", line)]
    log(f"{name}: exit {result.returncode} in {time.monotonic() - started:.0f} s; " + " | ".join(summary[-3:]))
    return result.returncode == 0, output


def role_options(token: str | None) -> list[str]:
    """The caller's token and what a run with it leaves out; nothing for the run without one."""
    if token is None:
        return []
    return ["-H", f"Authorization: Bearer {token}", "--exclude-path-regex", SESSION_ENDING]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=100, help="generated requests per operation")
    parser.add_argument("--workers", type=int, default=2, help="schemathesis workers per role")
    parser.add_argument("--role-seconds", type=int, default=3600, help="time budget per role, before the stateful")
    parser.add_argument("--stateful-seconds", type=int, default=600, help="the stateful phase's, per role")
    parser.add_argument(
        "--phases", default="fuzzing", help="schemathesis phases (make fuzz adds examples and coverage)"
    )
    parser.add_argument("--peer-seconds", type=int, default=600, help="the object-level authorization run's")
    parser.add_argument("--report", type=Path, default=None, help="write schemathesis' output here")
    args = parser.parse_args()
    started = time.monotonic()
    failures: list[str] = []
    outputs: list[str] = []
    with postgres_instance() as pg:
        pg.createdb("sspf_fuzz")
        env = service_env(pg.url("sspf_fuzz"), generate_keys())
        demo = seed(env)
        server = Server(env, workers=2, threads=2)
        server.start()
        try:
            tokens: dict[str, str] = {}
            for role in ROLES:
                token = login(server.port, demo["users"][role]) if role else None
                if role is not None and token is not None:
                    tokens[role] = token
                name = role or "unauthenticated"
                for phases, seconds in ((args.phases, args.role_seconds), ("stateful", args.stateful_seconds)):
                    ok, output = run(
                        f"{name} ({phases})",
                        server.port,
                        CONFIG,
                        role_options(token),
                        args.examples,
                        args.workers,
                        seconds,
                        phases,
                    )
                    outputs.append(f"===== {name}: {phases}\n{output}")
                    if not ok:
                        failures.append(f"{name} ({phases})")
            peers = {OWNER: tokens[OWNER], PEER: login(server.port, demo["users"][PEER])}
            ok, output = run(
                f"{OWNER} against {PEER}",
                server.port,
                peers_config(scratch(), peers),
                ["--exclude-path-regex", f"{SESSION_ENDING}|{MEMBER_ADD}"],
                args.examples,
                args.workers,
                args.peer_seconds,
                f"{args.phases},stateful",
            )
            outputs.append(f"===== {OWNER} against {PEER}\n{output}")
            if not ok:
                failures.append(f"{OWNER} against {PEER}")
        finally:
            server.stop()
        if args.report:
            args.report.write_text("\n".join(outputs))
        server.check_no_server_errors()
    if failures:
        sys.stdout.write("\n".join(outputs)[-20000:])
        fail(f"schemathesis found failures as {', '.join(failures)}")
    log(
        f"fuzz drill passed in {time.monotonic() - started:.0f} s"
        f" (up to {args.examples} examples per operation, at most {args.role_seconds} s per role,"
        f" then {args.stateful_seconds} s of call sequences; {args.peer_seconds} s of {OWNER} against {PEER})"
    )


if __name__ == "__main__":
    main()
