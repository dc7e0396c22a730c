#!/usr/bin/env python
"""Where a request's time goes: each benchmark endpoint in process, through the whole WSGI stack.

Runs against a database seeded by bench/run.py (``--seed-only`` or an earlier run). For every
endpoint and variant it times N requests through Django's test client (middleware, DRF, the
database over loopback; no HTTP server, no load generator, so the figures are per request on
one core) and prints the mean and the full/plain ratio. With ``--profile ENDPOINT`` it also runs
that endpoint's full variant under pyinstrument and prints the call tree.

    .venv/bin/python bench/profile.py --database sspf_bench
    .venv/bin/python bench/profile.py --database sspf_bench --profile "case list (50)"
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import run  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", default="sspf_bench")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--profile", default="", help="endpoint name to profile")
    parser.add_argument("--variant", default="full", help="the variant of --profile to profile (plain, +access, ...)")
    parser.add_argument("--only", default="", help="measure only this endpoint")
    parser.add_argument(
        "--audit-cost",
        action="store_true",
        help="measure only what a read's access entries cost (1, 10 and 50 in one INSERT, and the commit), on "
        "a scratch database: the entries stay",
    )
    args = parser.parse_args()

    if args.audit_cost and "scratch" not in args.database:
        # Its entries can never be deleted, and thousands of them on one day by one actor change
        # the plans (and times) of the auditor searches measured on the same database later.
        raise SystemExit(
            "--audit-cost writes about 60 audit entries per request that can never be deleted: "
            "give it a database of its own whose name contains 'scratch' (bench/run.py --seed-only --database ...)"
        )
    run.setup_django(args.database)
    if args.audit_cost:
        audit_cost(args.requests)
        return
    from django.db import connection
    from django.test import Client

    from cases.models import Case, CaseMember, Youth

    caseload = list(
        CaseMember.objects.filter(user__username="bench_sw").values_list("case_id", flat=True).order_by("case_id")
    )
    first = Case.objects.get(pk=caseload[0])
    pnr = Youth.objects.select_related("case__key").get(case=first).personal_number
    with connection.cursor() as cursor:
        # The searched actor's last day in the seeded log (the day of the newest entry of all
        # is today once anything ran: an empty day for bench_sw_3, which measures another plan).
        cursor.execute(
            "SELECT to_char(max(timestamp), 'YYYY-MM-DD') FROM audit_auditentry WHERE actor_username = 'bench_sw_3'"
        )
        day = cursor.fetchone()[0]
    tokens = run.tokens()
    # Home visits are recorded on Linköpingsmodellen cases only, as in bench/run.py.
    visit_case_ids = [
        str(c) for c in Case.objects.filter(pk__in=caseload, track="linkoping").values_list("pk", flat=True)
    ]
    targets = run.targets([str(c) for c in caseload], pnr, first.number, day, visit_case_ids)

    def call(client: Client, target: dict, prefix: str, n: int) -> None:
        path = target["paths"][n % len(target["paths"])].format(prefix=prefix)
        if target["method"] == "GET":
            response = client.get(path)
        else:
            response = client.post(path, target["body"], content_type="application/json")
        if response.status_code >= 400:
            raise SystemExit(f"{target['endpoint']} via {prefix}: {response.status_code} {response.content[:200]!r}")

    print(f"{'endpoint':32} {'variant':8} {'ms/request':>10} {'ratio':>6}")
    for target in targets:
        if args.only and target["endpoint"] != args.only:
            continue
        client = Client(HTTP_AUTHORIZATION=f"Bearer {tokens[target['user']]}", HTTP_HOST="127.0.0.1")
        plain = None
        for variant, prefix in target["variants"].items():
            for n in range(10):  # warm up: connection, caches, imports
                call(client, target, prefix, n)
            started = time.perf_counter()
            for n in range(args.requests):
                call(client, target, prefix, n)
            per = (time.perf_counter() - started) / args.requests * 1000
            plain = per if variant == "plain" else plain
            ratio = f"{per / plain:.2f}x" if plain and variant != "plain" else ""
            print(f"{target['endpoint']:32} {variant:8} {per:10.2f} {ratio:>6}", flush=True)
        if target["endpoint"] == args.profile:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0005)
            with profiler:
                for n in range(args.requests):
                    call(client, target, target["variants"][args.variant], n)
            print(profiler.output_text(unicode=True, color=False, show_all=False))


def audit_cost(requests: int) -> None:
    """What recording a read costs, apart from the read: ``record_access`` for 1, 10 and 50 cases
    (one entry per case, one INSERT) in its own transaction, committed as a request's is, against
    a transaction that only reads (``SELECT 1``). The difference between 1 and 50 is what one
    entry per page instead of one per case shown could save on a list page (docs/performance.md)."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from audit.services import record_access
    from cases.models import Case

    reader = get_user_model().objects.get(username="bench_sw")
    cases = list(Case.objects.order_by("-opened_at")[:50])

    def timed(work: Any) -> float:
        for _ in range(20):  # warm up
            with transaction.atomic():
                work()
        started = time.perf_counter()
        for _ in range(requests):
            with transaction.atomic():
                work()
        return (time.perf_counter() - started) / requests * 1000

    def read_only() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")

    print(f"{'transaction':40} {'ms':>6}")
    print(f"{'SELECT 1, commit':40} {timed(read_only):6.2f}", flush=True)
    for n in (1, 10, 50):
        shown = {case: ["identity"] for case in cases[:n]}
        ms = timed(lambda shown=shown: record_access(cases_shown=shown, view="bench", actor=reader))
        print(f"{f'{n} access entries, one INSERT, commit':40} {ms:6.2f}", flush=True)


if __name__ == "__main__":
    main()
