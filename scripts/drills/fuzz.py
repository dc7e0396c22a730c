"""Drill: schemathesis against the live service, once per role (``make fuzz``, ``make fuzz-ci``;
docs/testing.md).

Its own PostgreSQL instance, migrated and seeded with the demo, and ``make serve`` (gunicorn with
the sealer, DEBUG off) on a free port. For each role (social worker, coordinator, police, school,
auditor, and no token at all) schemathesis reads the service's own OpenAPI schema and sends
``--examples`` generated requests per operation (``--phases``: examples, coverage, fuzzing), then
runs its stateful phase (sequences of calls along the links it infers: a case created, then read,
changed, given a consent ...) for ``--stateful-seconds``, with every check it has (CI leaves out
the two that multiply the traffic, below). It fails on any failed check and on any 500 in the
server's log, and prints per role what ran.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from support import ROOT, Server, fail, generate_keys, log, login, postgres_instance, seed, service_env

ROLES = ["alice", "carl", "petra", "sara", "audrey", None]  # None: unauthenticated
# Operations that end the token the run uses (the run would go on as an outsider) or start the
# enrolment flow that locks the username out after five tries: fuzzed unauthenticated only.
SESSION_ENDING = r"^/api/v1/auth/(logout|enrol)"
# Every check runs. Where the schema cannot say what the server checks, schemathesis.toml (found
# in the repository's root) says which answers count, each with its reason, and fuzz_hooks.py
# teaches the generator the formats the schema names (a personnummer, dates within 1901-2099).
HOOKS = Path(__file__).resolve().parent / "fuzz_hooks.py"
# CI's bounded run (make fuzz-ci) also leaves out the checks that send further requests of their
# own for every generated one (about 30 times the traffic, measured): make fuzz runs them.
CI_EXCLUDED_CHECKS = {
    "ignored_auth": "sends the request again without and with a wrong token: make fuzz",
    "object_level_authorization": "repeats requests as other callers: make fuzz (the matrix covers it in the suite)",
}


def run_role(
    port: int, token: str | None, name: str, examples: int, workers: int, seconds: int, phases: str, ci: bool
) -> tuple[bool, str]:
    command = [
        str(ROOT / ".venv" / "bin" / "st"),
        "run",
        f"http://127.0.0.1:{port}/api/schema/",
        "--checks",
        "all",
        *(["--exclude-checks", ",".join(CI_EXCLUDED_CHECKS)] if ci else []),
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
    ]
    if token is not None:
        command += ["-H", f"Authorization: Bearer {token}", "--exclude-path-regex", SESSION_ENDING]
    started = time.monotonic()
    env = {**os.environ, "SCHEMATHESIS_HOOKS": str(HOOKS)}
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=env)
    output = result.stdout + result.stderr
    summary = [line for line in output.splitlines() if re.search(r"\b(passed|failed|errors?|skipped)\b", line)]
    log(f"{name}: exit {result.returncode} in {time.monotonic() - started:.0f} s; " + " | ".join(summary[-3:]))
    return result.returncode == 0, output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=100, help="generated requests per operation")
    parser.add_argument("--workers", type=int, default=2, help="schemathesis workers per role")
    parser.add_argument("--role-seconds", type=int, default=3600, help="time budget per role, before the stateful")
    parser.add_argument("--stateful-seconds", type=int, default=600, help="the stateful phase's, per role")
    parser.add_argument(
        "--phases", default="fuzzing", help="schemathesis phases (make fuzz adds examples and coverage)"
    )
    parser.add_argument("--ci", action="store_true", help="the bounded run: leave out the costly checks")
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
            for role in ROLES:
                token = login(server.port, demo["users"][role]) if role else None
                name = role or "unauthenticated"
                for phases, seconds in ((args.phases, args.role_seconds), ("stateful", args.stateful_seconds)):
                    ok, output = run_role(
                        server.port, token, name, args.examples, args.workers, seconds, phases, args.ci
                    )
                    outputs.append(f"===== {name}: {phases}\n{output}")
                    if not ok:
                        failures.append(f"{name} ({phases})")
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
        f" then {args.stateful_seconds} s of call sequences)"
    )


if __name__ == "__main__":
    main()
