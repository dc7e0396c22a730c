#!/usr/bin/env python
"""Audit-log write throughput, sealing rate and verification rate on PostgreSQL (docs/audit.md).

Writes real audit entries through ``audit.services.record``, one entry per transaction as a
request does, from 1 client and from N concurrent clients (processes, each with its own
connection), in three set-ups:

  (i)   plain:   no sealer running (the application as it is, chain work left for later);
  (ii)  sealer:  ``audit.chain.seal()`` running in another process meanwhile, back to back
                 (continuously) and, as ``seal_audit --loop 2`` would, every ``--seal-interval`` s;
  (iii) sync:    the yardstick from issue 5, a synchronous chain: each transaction inserts its
                 entry, takes ``pg_advisory_xact_lock``, reads the previous hash, computes the new
                 one and stores it (in a scratch table ``bench_sync_chain``), then commits.
                 This variant exists only in this script.

Then the sealing rate (entries/s of ``chain.seal`` over a backlog) and the verification rate
(entries/s of ``chain.verify(seal_first=False)``), each bounded in time, and, with
``--live-verify``, whether ``chain.verify()`` reports an intact chain while writers and the
sealer keep running (as ``GET /api/v1/audit/verify`` would on a live system).

The machine's other work skews the rates by tens of per cent: ``--repeat`` interleaves rounds
and reports the median, and every line shows the load average. Run it against a scratch
database only; it writes junk entries that the append-only triggers will never let you delete:

    createdb -h 127.0.0.1 -U postgres sspf_bench_audit
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sspf_bench_audit .venv/bin/python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sspf_bench_audit \\
        .venv/bin/python bench/audit_throughput.py --seconds 10 --repeat 3
    dropdb -h 127.0.0.1 -U postgres sspf_bench_audit
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH_LOCK = 0x5A5F_BE4C  # advisory lock of the synchronous-chain yardstick (not the sealer's)
CATEGORIES = ["identity", "meetings", "visits", "notes"]
VIEWS = ["CaseDetailApi", "CaseListApi", "VisitListApi", "MeetingListApi", "NoteListApi"]


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    os.environ.setdefault("DEBUG", "0")  # no query log in memory
    import django

    django.setup()


# --- the writers --------------------------------------------------------------------------------


class Pool:
    """A realistic spread of cases, users and shown categories (fixed per process seed)."""

    def __init__(self, seed: int) -> None:
        rng = random.Random(1234)
        self.cases = [(uuid.UUID(int=rng.getrandbits(128)), f"SSPF-2026-{i:04d}") for i in range(1000)]
        self.users = [f"user{i:04d}" for i in range(200)]
        self.rng = random.Random(seed)

    def kwargs(self) -> dict[str, Any]:
        from cases.models import Case

        case_ref, number = self.rng.choice(self.cases)
        return {
            "event": "access",
            "model": Case,
            "object_pk": str(case_ref),
            "case_ref": case_ref,
            "case_number": number,
            "fields": self.rng.sample(CATEGORIES, self.rng.randint(1, 4)),
            "actor_username": self.rng.choice(self.users),
            "extra": {"view": self.rng.choice(VIEWS)},
        }


def write_plain(pool: Pool) -> None:
    from django.db import transaction

    from audit.services import record

    with transaction.atomic():
        record(**pool.kwargs())


def write_sync(pool: Pool) -> None:
    """The synchronous chain: the entry and its link in one transaction, under one global lock."""
    from django.db import connection, transaction

    from audit.chain import GENESIS, link_hash
    from audit.services import record

    with transaction.atomic():
        entry = record(**pool.kwargs())
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [BENCH_LOCK])
            cursor.execute("SELECT seq, hash FROM bench_sync_chain ORDER BY seq DESC LIMIT 1")
            row = cursor.fetchone()
            seq, prev = row if row else (0, GENESIS)
            cursor.execute(
                "INSERT INTO bench_sync_chain (seq, entry_id, prev_hash, hash) VALUES (%s, %s, %s, %s)",
                [seq + 1, entry.pk, prev, link_hash(prev, entry)],
            )


WRITERS = {"plain": write_plain, "sealer": write_plain, "sync": write_sync}


def writer(mode: str, seed: int, seconds: float, barrier: Any, results: Any, stop: Any = None) -> None:
    setup_django()
    from audit import context

    context.begin(remote_addr=f"10.0.{seed % 250}.{seed % 200 + 1}", correlation_id=uuid.uuid4().hex)
    pool = Pool(seed)
    write = WRITERS[mode]
    for _ in range(20):  # warm up: connection, content-type cache, prepared paths
        write(pool)
    barrier.wait()
    latencies = []
    end = time.monotonic() + seconds
    while True:
        start = time.monotonic()
        if start >= end or (stop is not None and stop.is_set()):
            break
        write(pool)
        latencies.append(time.monotonic() - start)
    results.put(latencies)


def sealer(stop: Any, results: Any, interval: float = 0.0) -> None:
    """chain.seal() in a loop: back to back (interval 0; a 20 ms pause only when nothing was
    pending), or every ``interval`` seconds as ``seal_audit --loop`` does in production."""
    setup_django()
    from audit import chain

    sealed = 0
    while not stop.is_set():
        count = chain.seal()
        sealed += count
        stop.wait(interval if interval else (0.02 if count == 0 else 0))
    results.put(sealed)


def run_writers(ctx: Any, mode: str, clients: int, seconds: float) -> dict[str, Any]:
    barrier = ctx.Barrier(clients + 1)
    results = ctx.Queue()
    procs = [ctx.Process(target=writer, args=(mode, i + 1, seconds, barrier, results)) for i in range(clients)]
    for proc in procs:
        proc.start()
    barrier.wait()
    started = time.monotonic()
    latencies: list[float] = []
    for _ in procs:
        latencies.extend(results.get())
    elapsed = time.monotonic() - started
    for proc in procs:
        proc.join()
    latencies.sort()
    return {
        "count": len(latencies),
        "rate": len(latencies) / elapsed,
        "p50": statistics.median(latencies) * 1000 if latencies else 0.0,
        "p99": latencies[int(len(latencies) * 0.99)] * 1000 if latencies else 0.0,
    }


# --- helpers in the main process ----------------------------------------------------------------


def unsealed() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM audit_auditentry e WHERE NOT EXISTS "
            "(SELECT 1 FROM audit_auditchainlink l WHERE l.entry_id = e.id)"
        )
        return int(cursor.fetchone()[0])


def add_backlog(rows: int) -> None:
    """Unsealed entries of the same shape as the writers', inserted in one statement."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    from cases.models import Case

    content_type = ContentType.objects.get_for_model(Case).pk
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO audit_auditentry (object_pk, object_repr, action, changes_text, cid, remote_addr,
                timestamp, additional_data, event, actor_username, case_ref, case_number, fields_shown,
                changed_fields, content_type_id)
            SELECT c.ref::text, 'case ' || c.ref::text, 3, '', md5(g::text), '10.0.0.1', now(),
                '{"view": "CaseDetailApi"}'::jsonb, 'access', 'user' || lpad((g %% 200)::text, 4, '0'),
                c.ref, 'SSPF-2026-' || lpad((g %% 1000)::text, 4, '0'), '["identity", "notes"]'::jsonb,
                '[]'::jsonb, %s
            FROM generate_series(1, %s) g,
                 LATERAL (SELECT md5('case' || (g %% 1000)::text)::uuid AS ref) c
            """,
            [content_type, rows],
        )


class Deadline(Exception):
    pass


def bounded(seconds: float) -> tuple[Any, list[int]]:
    """A progress callback that counts and stops the work (by raising) once time is up."""
    done = [0]
    end = time.monotonic() + seconds

    def progress(count: int) -> None:
        done[0] += count
        if time.monotonic() >= end:
            raise Deadline

    return progress, done


def measure_seal(seconds: float, backlog: int) -> dict[str, Any]:
    from audit import chain

    chain.seal()  # whatever the writers left: not timed
    add_backlog(backlog)
    progress, done = bounded(seconds)
    started = time.monotonic()
    try:
        chain.seal(progress=progress)
    except Deadline:
        pass
    elapsed = time.monotonic() - started
    rest = chain.seal()  # not timed: the next runs start from a sealed log
    return {"count": done[0], "rate": done[0] / elapsed, "finished": rest == 0}


def measure_verify(seconds: float) -> dict[str, Any]:
    from audit import chain

    progress, done = bounded(seconds)
    started = time.monotonic()
    result = None
    try:
        result = chain.verify(seal_first=False, progress=progress)
    except Deadline:
        pass
    elapsed = time.monotonic() - started
    checked = result.entries_checked if result else done[0]
    return {"count": checked, "rate": checked / elapsed, "finished": result is not None, "result": result}


def live_verify(ctx: Any, seconds: float) -> list[str]:
    """verify() while two writers and the sealer keep running: once plain, once inside a transaction
    (the API runs under ATOMIC_REQUESTS, so the whole verify is one transaction there)."""
    from django.db import transaction

    from audit import chain

    lines = []
    for label, atomic in (("plain call", False), ("in one transaction, as the API", True)):
        stop = ctx.Event()
        results = ctx.Queue()
        seal_proc = ctx.Process(target=sealer, args=(stop, results))
        seal_proc.start()
        barrier = ctx.Barrier(3)
        writer_results = ctx.Queue()
        procs = [
            ctx.Process(target=writer, args=("plain", 100 + i, 3600, barrier, writer_results, stop)) for i in range(2)
        ]
        for proc in procs:
            proc.start()
        barrier.wait()
        time.sleep(min(1.0, seconds / 4))
        started = time.monotonic()
        if atomic:
            with transaction.atomic():
                result = chain.verify()
        else:
            result = chain.verify()
        took = time.monotonic() - started
        stop.set()  # writers and sealer: they were running all along verify
        for _proc in procs:
            writer_results.get()  # drain every queue before joining: a child exits once its data is read
        results.get()
        for proc in procs:
            proc.join()
        seal_proc.join()
        lines.append(
            f"verify during writes ({label}): ok={result.ok} checked={result.entries_checked} "
            f"first_bad_entry={result.first_bad_entry} problem={result.problem!r} ({took:.1f} s)"
        )
    chain.seal()
    after = chain.verify()
    lines.append(f"verify once the writers stopped: ok={after.ok} checked={after.entries_checked}")
    return lines


# --- main ---------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10, help="length of each measurement (default 10)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--backlog", type=int, default=300_000, help="unsealed entries added for the seal rate")
    parser.add_argument("--only", default="plain,sealer,sync,seal,verify", help="comma-separated subset")
    parser.add_argument("--repeat", type=int, default=1, help="rounds of the writer set-ups, interleaved (median)")
    parser.add_argument("--seal-interval", type=float, default=2.0, help="the second sealer set-up's period")
    parser.add_argument("--live-verify", action="store_true", help="also run verify() during writes")
    parser.add_argument("--force", action="store_true", help="run even if the database name lacks 'bench'")
    args = parser.parse_args()

    setup_django()
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("PostgreSQL only: set DATABASE_URL to a scratch PostgreSQL database.")
    name = connection.settings_dict["NAME"]
    if "bench" not in name and not args.force:
        sys.exit(f"Refusing to write junk audit entries into {name!r}: use a scratch database (…bench…).")
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_sync_chain (seq bigint PRIMARY KEY, entry_id bigint NOT NULL, "
            "prev_hash char(64) NOT NULL, hash char(64) NOT NULL)"
        )
        cursor.execute("SELECT version(), current_setting('synchronous_commit'), current_setting('shared_buffers')")
        version, sync_commit, buffers = cursor.fetchone()
    connection.close()  # no connection is inherited by the workers

    only = set(args.only.split(","))
    ctx = mp.get_context("spawn")
    print(
        f"# {version.split(',')[0]}; synchronous_commit={sync_commit}; shared_buffers={buffers}; "
        f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f} (1-min average; other work on the machine skews the "
        f"figures); {args.seconds:g} s per measurement",
        flush=True,
    )

    rows: list[tuple[str, int, dict[str, Any]]] = []

    def show(label: str, clients: int, result: dict[str, Any], note: str = "") -> None:
        rows.append((label, clients, result))
        print(
            f"{label:<34} {clients:>3} clients  {result['rate']:>8.0f} inserts/s  "
            f"p50 {result['p50']:6.2f} ms  p99 {result['p99']:7.2f} ms  load {os.getloadavg()[0]:.1f}  {note}",
            flush=True,
        )

    for round_ in range(args.repeat):
        if args.repeat > 1:
            print(f"# round {round_ + 1} of {args.repeat}", flush=True)
        for clients in sorted({1, args.clients}):
            if "plain" in only:
                show("(i) plain, no sealer", clients, run_writers(ctx, "plain", clients, args.seconds))
            for interval in (0.0, args.seal_interval) if "sealer" in only else ():
                from audit import chain

                chain.seal()
                connection.close()
                stop = ctx.Event()
                results = ctx.Queue()
                seal_proc = ctx.Process(target=sealer, args=(stop, results, interval))
                seal_proc.start()
                result = run_writers(ctx, "sealer", clients, args.seconds)
                lag = unsealed()
                stop.set()
                sealed = results.get()
                seal_proc.join()
                label = f"(ii) sealer every {interval:g} s" if interval else "(ii) sealer back to back"
                show(label, clients, result, f"sealed {sealed} meanwhile; {lag} unsealed at the end")
                connection.close()
            if "sync" in only:
                show("(iii) synchronous chain (yardstick)", clients, run_writers(ctx, "sync", clients, args.seconds))

    if "seal" in only:
        seal = measure_seal(args.seconds, args.backlog)
        print(
            f"{'sealing (chain.seal)':<34} {seal['rate']:>8.0f} entries/s  ({seal['count']} entries"
            f"{'' if seal['finished'] else ', stopped at the time limit'})",
            flush=True,
        )
    if "verify" in only:
        from audit import chain

        chain.seal()
        ver = measure_verify(args.seconds)
        state = f"ok={ver['result'].ok}" if ver["result"] else "stopped at the time limit"
        print(
            f"{'verification (chain.verify)':<34} {ver['rate']:>8.0f} entries/s  ({ver['count']} entries, {state})",
            flush=True,
        )
    connection.close()
    if args.live_verify:
        for line in live_verify(ctx, args.seconds):
            print(line, flush=True)

    # One line per set-up: the median of the rounds, and the range of the rates.
    merged: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for label, clients, result in rows:
        merged.setdefault((label, clients), []).append(result)
    print(f"\n| set-up | clients | inserts/s (median of {args.repeat}) | range | p50 ms | p99 ms |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for (label, clients), results in sorted(merged.items(), key=lambda item: (item[0][1], item[0][0])):
        rates = [r["rate"] for r in results]
        p50 = statistics.median(r["p50"] for r in results)
        p99 = statistics.median(r["p99"] for r in results)
        print(
            f"| {label} | {clients} | {statistics.median(rates):,.0f} | {min(rates):,.0f}–{max(rates):,.0f} "
            f"| {p50:.2f} | {p99:.2f} |"
        )


if __name__ == "__main__":
    main()
