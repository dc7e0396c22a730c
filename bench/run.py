#!/usr/bin/env python
"""The benchmark: what each protection costs against a plain baseline, and how cost grows with data.

Seeds a fresh PostgreSQL database (bench/seed.py), starts the real app under gunicorn on
127.0.0.1 with the benchmark's settings (bench/settings.py: the product's plus the yardstick
routes), and drives it with wrk over loopback: every endpoint once as plain Django would
answer it (bench/views.py, the same token lookup and JSON shape) and once through the real API,
and for case detail and list also with each protection switched on in turn. Then queries per
request (in process), peak RSS per worker, key-rotation and audit-verification rates, and a
verify from the signed checkpoint over the entries the runs wrote, with the sealer's idle round
(issue 19). Writes bench/results/bench-<cases>.json and .md and prints the table.

    make bench          # 1,000 cases, a few seconds per measurement
    make bench-large    # 100,000 cases and 10 million audit entries
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PG = "postgres://postgres@127.0.0.1:5432"
SETTINGS = "bench.settings"

LUA = """
local paths = {%(paths)s}
local method = "%(method)s"
local body = %(body)s
local n = 0
request = function()
  n = n + 1
  local path = paths[(n %% #paths) + 1]
  local headers = {["Authorization"] = "Bearer %(token)s", ["Content-Type"] = "application/json"}
  return wrk.format(method, path, headers, body)
end
done = function(summary, latency, requests)
  local e = summary.errors
  local errors = e.status + e.connect + e.read + e.write + e.timeout
  io.write(string.format(
    "RESULT {\\"rps\\": %%f, \\"p50\\": %%f, \\"p95\\": %%f, \\"p99\\": %%f, "
    .. "\\"errors\\": %%d, \\"requests\\": %%d}\\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, errors, summary.requests))
end
"""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    log("installing wrk (Debian package)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-q"], check=True, env=env, stdout=subprocess.DEVNULL)
    subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True, env=env, stdout=subprocess.DEVNULL)
    return shutil.which("wrk") or "wrk"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def env_for(database: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": f"{PG}/{database}",
        "DEBUG": "0",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_HSTS_SECONDS": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SETTINGS_MODULE": SETTINGS,  # the product's settings plus the yardstick routes
        "TOKEN_IDLE_MINUTES": "600",
        "LOG_LEVEL": "WARNING",
    }


def manage(database: str, *args: str) -> str:
    python = str(ROOT / ".venv" / "bin" / "python")
    result = subprocess.run(
        [python, "manage.py", *args], cwd=ROOT, env=env_for(database), check=True, capture_output=True, text=True
    )
    return result.stdout


def prepare_database(name: str) -> None:
    subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", name], check=True)
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)
    manage(name, "migrate", "--noinput", "-v", "0")


def remember_seed(database: str, stats: dict[str, Any]) -> None:
    """Keep the seeding figures in the seeded database, so a --reuse run reports them too."""
    import psycopg

    with psycopg.connect(f"{PG}/{database}", autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_meta (stats jsonb)")
        conn.execute("INSERT INTO bench_meta VALUES (%s)", [json.dumps(stats)])


def recall_seed(database: str) -> dict[str, Any] | None:
    import psycopg

    with psycopg.connect(f"{PG}/{database}", autocommit=True) as conn:
        if not conn.execute("SELECT to_regclass('bench_meta')").fetchone()[0]:
            return None
        row = conn.execute("SELECT stats FROM bench_meta ORDER BY ctid DESC LIMIT 1").fetchone()
    return row[0] if row else None


def keep_statistics_fresh(database: str) -> None:
    """Do what autovacuum does in production when the bench's PostgreSQL runs without it.

    The audit table is analysed after every 20,000 new entries (audit migration 0008); the
    measurements themselves write that many in seconds. Without autovacuum (some development
    machines turn it off) the statistics would go stale and the auditors' searches for today
    would be planned as if the day were empty."""
    import psycopg

    with psycopg.connect(f"{PG}/{database}", autocommit=True) as conn:
        if conn.execute("SHOW autovacuum").fetchone()[0] == "on":
            return
        row = conn.execute(
            # The month partitions (audit/partitions.py): the parent itself has no statistics row.
            "SELECT sum(n_mod_since_analyze) FROM pg_stat_user_tables WHERE relname LIKE 'audit_auditentry_%'"
        ).fetchone()
        if row and row[0] and row[0] >= 20_000:
            log(f"autovacuum is off: ANALYZE audit_auditentry ({row[0]:,} new entries since the last)")
            conn.execute("ANALYZE audit_auditentry")


def setup_django(database: str) -> None:
    os.environ.update(env_for(database))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def tokens() -> dict[str, str]:
    from django.contrib.auth import get_user_model
    from knox.models import AuthToken

    out = {}
    for username in ("bench_sw", "bench_police", "bench_auditor"):
        user = get_user_model().objects.get(username=username)
        _instance, token = AuthToken.objects.create(user=user)
        out[username] = token
    return out


def targets(
    case_ids: list[str], pnr: str, case_number: str, day: str, visit_case_ids: list[str]
) -> list[dict[str, Any]]:
    """Endpoint × variant. Reads: detail and list in four steps; the rest plain vs full."""
    detail = [f"/{{prefix}}cases/{cid}/" for cid in case_ids]
    note_body = json.dumps({"category": "notes", "text": "Benchmark note " * 5})
    visit_body = json.dumps(
        {
            "occurred_at": "2026-01-01T10:00:00+01:00",
            "participants": ["bench_sw", "bench_police"],
            "present": ["youth"],
            "basis": "Benchmark basis",
            "notes": "Benchmark notes",
            "outcome": "ok",
            "informed_voluntary": True,
        }
    )
    since, until = f"{day}T00:00:00%2B00:00", f"{day}T23:59:59%2B00:00"
    return [
        {
            "endpoint": "case detail",
            "user": "bench_sw",
            "method": "GET",
            "paths": detail,
            "variants": {
                "plain": "bench/plain/",
                "+access": "bench/access/",
                "+crypto": "bench/crypto/",
                "full": "api/v1/",
            },
        },
        {
            "endpoint": "case list (50)",
            "user": "bench_sw",
            "method": "GET",
            "paths": ["/{prefix}cases/"],
            "invalid": {"path": "/{prefix}cases/?status=bogus"},
            "variants": {
                "plain": "bench/plain/",
                "+access": "bench/access/",
                "+crypto": "bench/crypto/",
                "full": "api/v1/",
            },
        },
        {
            "endpoint": "add note",
            "user": "bench_sw",
            "method": "POST",
            "body": note_body,
            "paths": [f"/{{prefix}}cases/{cid}/notes/" for cid in case_ids],
            "invalid": {"body": json.dumps({"category": "bogus", "text": ""})},
            "variants": {"plain": "bench/plain/", "full": "api/v1/"},
        },
        {
            "endpoint": "create home visit",
            "user": "bench_sw",
            "method": "POST",
            "body": visit_body,
            # Home visits are recorded on Linköpingsmodellen cases only.
            "paths": [f"/{{prefix}}cases/{cid}/visits/" for cid in visit_case_ids],
            "invalid": {"body": json.dumps({"outcome": "bogus"})},
            "variants": {"plain": "bench/plain/", "full": "api/v1/"},
        },
        {
            "endpoint": "auditor: one case's history",
            "user": "bench_auditor",
            "method": "GET",
            "paths": [f"/{{prefix}}audit/entries/?case={case_number}"],
            "invalid": {"path": "/{prefix}audit/entries/?case=19120212-1212"},
            "variants": {"plain": "bench/plain/", "full": "api/v1/"},
        },
        {
            "endpoint": "auditor: one user's day",
            "user": "bench_auditor",
            "method": "GET",
            "paths": [f"/{{prefix}}audit/entries/?actor=bench_sw_3&since={since}&until={until}"],
            "invalid": {"path": "/{prefix}audit/entries/?actor=bench_sw_3&since=yesterday"},
            "variants": {"plain": "bench/plain/", "full": "api/v1/"},
        },
        {
            "endpoint": "youths/lookup",
            "user": "bench_sw",
            "method": "POST",
            "body": json.dumps({"personal_number": pnr}),
            "paths": ["/{prefix}youths/lookup"],
            "invalid": {"body": json.dumps({"personal_number": "12"})},
            "variants": {"plain": "bench/plain/", "full": "api/v1/"},
        },
    ]


def run_wrk(
    wrk: str, port: int, target: dict[str, Any], prefix: str, token: str, seconds: float, conns: int
) -> dict[str, Any]:
    paths = ", ".join(json.dumps(p.format(prefix=prefix)) for p in target["paths"])
    body = json.dumps(target.get("body")) if target.get("body") else "nil"
    script = LUA % {"paths": paths, "method": target["method"], "body": body, "token": token}
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        out = subprocess.run(
            [
                wrk,
                "-t",
                "2",
                "-c",
                str(conns),
                "-d",
                f"{max(1, round(seconds))}s",
                "-s",
                handle.name,
                f"http://127.0.0.1:{port}",
            ],
            check=True,
            capture_output=True,
            text=True,
            timeout=seconds + 60,
        ).stdout
    finally:
        os.unlink(handle.name)
    line = next(ln for ln in out.splitlines() if ln.startswith("RESULT "))
    return json.loads(line[len("RESULT ") :])


def ask(target: dict[str, Any], prefix: str, token: str, *, path: str = "", body: str = "") -> Any:
    """One request of ``target`` through ``prefix`` (a variant), in process (Django's test client):
    its first path and body unless given."""
    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_HOST="127.0.0.1")
    url = (path or target["paths"][0]).format(prefix=prefix)
    if target["method"] == "GET":
        return client.get(url)
    return client.post(url, body or target.get("body") or "{}", content_type="application/json")


def queries_per_request(target: dict[str, Any], prefix: str, token: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = ask(target, prefix, token)
    if response.status_code >= 400:
        raise SystemExit(f"{target['endpoint']} via {prefix} answered {response.status_code}: the bench is broken")
    return len(captured.captured_queries)


def _keys(value: Any, prefix: str = "") -> set[str]:
    """Every key path of a JSON answer (a list by its first item): its shape, not its values."""
    if isinstance(value, dict):
        return {path for key, item in value.items() for path in {prefix + key} | _keys(item, f"{prefix}{key}.")}
    if isinstance(value, list) and value:
        return _keys(value[0], prefix + "[].")
    return set()


def check_shapes(target: dict[str, Any], token: str) -> None:
    """Each yardstick answers the real endpoint's shape (every key path the full answer has), or
    the ratio compares unequal work: the plain lookup had gone on answering cases alone after the
    real one began finding referrals too (found 2026-12-06)."""
    shapes = {
        variant: _keys(json.loads(ask(target, prefix, token).content)) for variant, prefix in target["variants"].items()
    }
    for variant, shape in shapes.items():
        missing = sorted(shapes["full"] - shape)
        if missing:
            raise SystemExit(
                f"{target['endpoint']} [{variant}] answers without {', '.join(missing)}: fix its yardstick"
            )


def check_inputs(target: dict[str, Any], token: str) -> None:
    """Each yardstick refuses the input the real endpoint refuses (its ``invalid`` request), so
    the ratio does not count validation as a protection: the plain audit search had filtered on
    the raw query string and the plain list had ignored it (found 2026-12-06)."""
    invalid = target.get("invalid")
    if not invalid:
        return
    for variant, prefix in target["variants"].items():
        response = ask(target, prefix, token, path=invalid.get("path", ""), body=invalid.get("body", ""))
        if response.status_code != 400:
            raise SystemExit(
                f"{target['endpoint']} [{variant}] answers {response.status_code} to input the API refuses: "
                "validate it in its yardstick"
            )


def worker_rss_kib(master_pid: int) -> list[int]:
    children = subprocess.run(["pgrep", "-P", str(master_pid)], capture_output=True, text=True).stdout.split()
    peaks = []
    for pid in children:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        peaks += [int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")]
    return peaks


def start_server(database: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    gunicorn = str(ROOT / ".venv" / "bin" / "gunicorn")
    process = subprocess.Popen(
        [gunicorn, "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--log-level", "warning"],
        cwd=ROOT,
        env=env_for(database),
    )
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not start")


def rotation_rate(limit: int | None = None) -> dict[str, Any]:
    """Re-wrap case keys under a new master key (at most ``limit``: a rate, bounded like every
    measurement), then back under the configured one so the database stays readable."""
    from django.conf import settings

    from audit.services import keys_rewrapped
    from cases.keys import case_keys_rewrap

    original = settings.FIELD_ENCRYPTION_KEYS
    temporary = f"bench{random.randint(0, 9999)}:{base64.b64encode(os.urandom(32)).decode()}"
    settings.FIELD_ENCRYPTION_KEYS = f"{temporary},{original}"
    started = time.monotonic()
    result = case_keys_rewrap(audit=keys_rewrapped, batch_size=1000, limit=limit)
    seconds = time.monotonic() - started
    # Back under the configured key, so that the seeded database stays readable for --reuse.
    settings.FIELD_ENCRYPTION_KEYS = f"{original},{temporary}"
    case_keys_rewrap(audit=keys_rewrapped, batch_size=1000)
    settings.FIELD_ENCRYPTION_KEYS = original
    return {"keys": result.rewrapped, "seconds": round(seconds, 2), "per_second": round(result.rewrapped / seconds)}


def verification_rate(limit_seconds: float) -> dict[str, Any]:
    from audit import chain
    from audit.models import AuditChainLink

    started = time.monotonic()
    sealed = 0
    while time.monotonic() - started < limit_seconds:
        done = chain.seal(batch_size=5000, limit=5000)  # one batch a call: bounded in time
        if not done:
            break
        sealed += done
    seal_seconds = time.monotonic() - started
    started = time.monotonic()
    checked = 0
    prev = chain.GENESIS
    for link in chain._links():
        assert link.entry is not None and chain.row_hash(prev, link.entry) == link.hash
        prev = link.hash
        checked += 1
        if checked % 5000 == 0 and time.monotonic() - started > limit_seconds:
            break  # a rate, not a full verification: bounded in time like every measurement
    verify_seconds = time.monotonic() - started
    return {
        "sealed": sealed,
        "seal_per_second": round(sealed / max(seal_seconds, 1e-9)),
        "verified": checked,
        "verify_per_second": round(checked / max(verify_seconds, 1e-9)),
        "links": AuditChainLink.objects.count(),
    }


def checkpoint_ready(limit_entries: int) -> dict[str, Any]:
    """Before the HTTP runs: a signed checkpoint to verify from afterwards. Without one (a fresh
    database), a full verify leaves it, timed: the walk ``verify_audit --full`` does (skipped
    above ``limit_entries``: at 10 million about 4 minutes; bench/audit_plans.py --verify-at-scale
    measures that case)."""
    from audit import chain
    from audit.models import AuditCheckpoint, AuditEntry

    if AuditCheckpoint.objects.exists():
        return {"full_seconds": None, "full_entries": None}
    entries = AuditEntry.objects.count()
    if entries > limit_entries:
        return {"full_seconds": None, "full_entries": None}
    started = time.monotonic()
    result = chain.verify(from_checkpoint=False)
    return {"full_seconds": round(time.monotonic() - started, 2), "full_entries": result.entries_checked}


def checkpoint_rates(before: dict[str, Any]) -> dict[str, Any]:
    """After the HTTP runs (they wrote thousands of access entries): verify from the newest signed
    checkpoint, as ``GET /api/v1/audit/verify`` does, and the sealer's idle round, with and
    without its once-a-minute look-back for late commits (medians of 5)."""
    from audit import chain
    from audit.models import AuditCheckpoint

    if not AuditCheckpoint.objects.exists():
        # Above checkpoint_ready's limit no full walk left one, and verify without one seals the
        # whole unsealed load first (a full-scan seal of millions of entries: hours, found on the
        # large run); bench/audit_plans.py --verify-at-scale measures verify at 10 million.
        return {**before, "skipped": True}
    started = time.monotonic()
    result = chain.verify()
    verify_seconds = time.monotonic() - started
    idle: dict[str, float] = {}
    for name, lookback in (("seal_idle_ms", False), ("seal_lookback_ms", True)):
        rounds = []
        for _ in range(5):
            one = time.monotonic()
            chain.seal(lookback=lookback)
            rounds.append((time.monotonic() - one) * 1000)
        idle[name] = round(statistics.median(rounds), 1)
    return {
        **before,
        "verify_ok": result.ok,
        "verify_seconds": round(verify_seconds, 2),
        "verify_entries": result.entries_checked,
        "verify_from_seq": result.from_seq,
        **idle,
    }


def markdown(result: dict[str, Any]) -> str:
    lines = [
        f"## Benchmark: {result['cases']:,} cases, {result['seed']['audit_entries']:,} audit entries",
        "",
        f"{result['machine']}; gunicorn {result['workers']} sync workers, wrk {result['connections']} connections, "
        f"{result['seconds']} s per measurement, each variant measured {result.get('repeat', 1)} times in turn "
        "(medians; the range is the ratio's lowest and highest over the rounds).",
        "",
        "| endpoint | variant | req/s | p50 ms | p95 ms | p99 ms | queries | errors | full/plain (median) | range |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in result["rows"]:
        lines.append(
            f"| {row['endpoint']} | {row['variant']} | {row['rps']:,.0f} | {row['p50']:.1f} | {row['p95']:.1f} | "
            f"{row['p99']:.1f} | {row['queries']} | {row['errors']} | {row.get('ratio', '')} | "
            f"{row.get('ratio_range', '')} |"
        )
    seed = result["seed"]
    lines += [
        "",
        f"Seeding: {seed['case_seconds']} s for the cases ({seed['rows_per_second']:,} rows/s), "
        f"{seed['audit_seconds']} s for {seed['audit_entries']:,} audit entries"
        + (
            f" ({seed['audit_insert_seconds']} s inserting, {seed['audit_index_seconds']} s building the indexes)."
            if seed.get("audit_indexes_rebuilt", seed.get("audit_entries", 0) >= 1_000_000)
            else "."
        ),
        f"Peak RSS per worker: {', '.join(f'{kib / 1024:.0f} MiB' for kib in result['rss_kib'])}.",
        f"Key rotation: {result['rotation']['per_second']:,} case keys/s ({result['rotation']['keys']:,} keys).",
        f"Audit chain: sealing {result['chain']['seal_per_second']:,} entries/s, verifying "
        f"{result['chain']['verify_per_second']:,} entries/s ({result['chain']['verified']:,} checked).",
    ]
    checkpoint = result.get("checkpoint")
    if checkpoint and checkpoint.get("skipped"):
        lines.append(
            "Verify from a signed checkpoint: not measured here (no checkpoint, and above 500,000 entries "
            "this run does not walk the whole log to leave one: bench/audit_plans.py --verify-at-scale)."
        )
    elif checkpoint:
        full = (
            f"the full walk took {checkpoint['full_seconds']} s ({checkpoint['full_entries']:,} entries) and left it"
            if checkpoint["full_seconds"] is not None
            else "from the newest signed checkpoint already there"
        )
        lines.append(
            f"Verify from the signed checkpoint after the runs ({full}): {checkpoint['verify_seconds']} s for "
            f"{checkpoint['verify_entries']:,} entries from link {checkpoint['verify_from_seq']:,}, "
            f"ok={checkpoint['verify_ok']}. Sealer round with nothing to seal: {checkpoint['seal_idle_ms']} ms, "
            f"{checkpoint['seal_lookback_ms']} ms with the once-a-minute look-back."
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--audit-entries", type=int, default=20_000)
    parser.add_argument("--seconds", type=float, default=4)
    parser.add_argument("--repeat", type=int, default=1, help="measure each variant this many times (medians)")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database", default="sspf_bench")
    parser.add_argument("--reuse", action="store_true", help="keep an already seeded database")
    parser.add_argument("--seed-only", action="store_true", help="seed the database and stop (measure with --reuse)")
    args = parser.parse_args()

    wrk = ensure_wrk()
    started = time.monotonic()
    if not args.reuse:
        log(f"preparing database {args.database}")
        prepare_database(args.database)
    python = str(ROOT / ".venv" / "bin" / "python")
    seed_stats: dict[str, Any] = {"case_seconds": 0, "rows_per_second": 0, "audit_seconds": 0, "audit_entries": 0}
    if not args.reuse:
        out = subprocess.run(
            [python, "bench/seed.py", "--cases", str(args.cases), "--audit-entries", str(args.audit_entries)],
            cwd=ROOT,
            env=env_for(args.database),
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        ).stdout
        seed_stats = json.loads(out.strip().splitlines()[-1])
        remember_seed(args.database, seed_stats)
        if args.seed_only:
            log(f"seeded {args.database} in {time.monotonic() - started:.0f} s; measure with --reuse")
            return
    else:
        log(f"reusing {args.database}: applying any new migrations")
        manage(args.database, "migrate", "--noinput", "-v", "0")
        seed_stats = recall_seed(args.database) or seed_stats
    setup_django(args.database)
    from django.db import connection

    from cases.models import Case, CaseMember, Youth

    caseload = list(
        CaseMember.objects.filter(user__username="bench_sw").values_list("case_id", flat=True).order_by("case_id")
    )
    case_ids = [str(c) for c in caseload]
    visit_case_ids = [
        str(c) for c in Case.objects.filter(pk__in=caseload, track="linkoping").values_list("pk", flat=True)
    ]
    first = Case.objects.select_related("key", "youth").get(pk=caseload[0])
    pnr = Youth.objects.select_related("case__key").get(case=first).personal_number
    with connection.cursor() as cursor:
        # The searched actor's last day in the seeded log (the day of the newest entry of all
        # is today once anything ran: an empty day for bench_sw_3, which measures another plan).
        cursor.execute(
            "SELECT to_char(max(timestamp), 'YYYY-MM-DD') FROM audit_auditentry WHERE actor_username = 'bench_sw_3'"
        )
        day = cursor.fetchone()[0]
    token = tokens()
    checkpoint = checkpoint_ready(limit_entries=500_000)
    connection.close()

    port = free_port()
    server = start_server(args.database, port, args.workers)
    rows: list[dict[str, Any]] = []
    try:
        for target in targets(case_ids, pnr, first.number, day, visit_case_ids):
            # Each variant measured --repeat times, the variants taking turns, so that a noisy
            # moment on a shared machine does not land on one variant; the medians are reported.
            check_shapes(target, token[target["user"]])
            check_inputs(target, token[target["user"]])
            runs: dict[str, list[dict[str, Any]]] = {variant: [] for variant in target["variants"]}
            for _variant, prefix in target["variants"].items():
                # Half a second of each variant first, not measured: the workers' first requests
                # (imports, connections, the endpoint's code) had made the first variant measured
                # look slow (a smoke run's plain detail at 920 ms p50 against 35 for the rest).
                run_wrk(wrk, port, target, prefix, token[target["user"]], 0.5, args.connections)
            for repeat in range(args.repeat):
                for variant, prefix in target["variants"].items():
                    log(f"{target['endpoint']} [{variant}] {repeat + 1}/{args.repeat}")
                    keep_statistics_fresh(args.database)
                    user_token = token[target["user"]]
                    runs[variant].append(run_wrk(wrk, port, target, prefix, user_token, args.seconds, args.connections))
            plain_p50s = [run["p50"] for run in runs.get("plain", [])]
            for variant, prefix in target["variants"].items():
                measured = runs[variant]
                row: dict[str, Any] = {
                    "endpoint": target["endpoint"],
                    "variant": variant,
                    **{key: statistics.median(run[key] for run in measured) for key in ("rps", "p50", "p95", "p99")},
                    "errors": sum(run["errors"] for run in measured),
                    "requests": sum(run["requests"] for run in measured),
                    "runs": measured,
                    "queries": queries_per_request(target, prefix, token[target["user"]]),
                }
                # A plain run that completed no request (p50 0: the server still warming up on a
                # loaded machine) has no ratio to give; the row shows its errors instead.
                if variant != "plain" and plain_p50s and all(plain_p50s):
                    row["ratio"] = f"{row['p50'] / statistics.median(plain_p50s):.2f}x"
                    each = [run["p50"] / plain for run, plain in zip(measured, plain_p50s, strict=True)]
                    row["ratio_range"] = f"{min(each):.2f}–{max(each):.2f}"
                rows.append(row)
        rss = worker_rss_kib(server.pid)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    rotation = rotation_rate(limit=None if args.cases <= 20_000 else 20_000)
    chain_rates = verification_rate(limit_seconds=20 if args.cases <= 10_000 else 60)
    checkpoint = checkpoint_rates(checkpoint)
    memory_kb = int(Path("/proc/meminfo").read_text().split()[1])
    machine = f"{os.cpu_count()} cores, {memory_kb / 1024 / 1024:.0f} GiB RAM, Python {sys.version.split()[0]}"
    result = {
        "cases": args.cases,
        "seconds": args.seconds,
        "connections": args.connections,
        "repeat": args.repeat,
        "workers": args.workers,
        "machine": machine,
        "seed": seed_stats,
        "rows": rows,
        "rss_kib": rss,
        "rotation": rotation,
        "chain": chain_rates,
        "checkpoint": checkpoint,
        "total_seconds": round(time.monotonic() - started, 1),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"bench-{args.cases}.json").write_text(json.dumps(result, indent=2))
    table = markdown(result)
    (RESULTS / f"bench-{args.cases}.md").write_text(table)
    print(table)
    medians = [float(r["ratio"][:-1]) for r in rows if r.get("ratio") and r["variant"] == "full"]
    if medians:
        log(f"median full/plain ratio: {statistics.median(medians):.2f}x; total {result['total_seconds']} s")


if __name__ == "__main__":
    main()
