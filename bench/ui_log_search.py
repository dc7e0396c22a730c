#!/usr/bin/env python
"""The auditor's log search page, server time, on a log of 10 million entries (issue 17: p95 <
150 ms).

Bulk-loads the entries with bench/audit_plans.py's loader (about 100,000 cases and 2,000 actors,
both skewed, three years, 90 % reads) into a scratch database (its name must hold "bench"; the
entries can never be deleted), signs an auditor in and requests the searches an auditor makes in
process (Django's test client: the whole middleware stack and the template; no network) a number
of times each, printing p50 and p95. Exits non-zero if any p95 is over the limit.

    make bench-log-search    # 10,000,000 entries; about 3 minutes to load, then the searches
    .venv/bin/python bench/ui_log_search.py --entries 10000000 --rounds 30 [--keep]

``--keep`` reuses a database already loaded with at least that many entries (re-run safely).
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
LIMIT_MS = 150.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=10_000_000)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--database", default="sspf_bench_log_search")
    parser.add_argument("--keep", action="store_true", help="reuse the database if it holds the entries")
    args = parser.parse_args()
    if "bench" not in args.database or not re.fullmatch(r"[a-z_][a-z0-9_]*", args.database):
        sys.exit("Refusing a database whose name lacks 'bench' (or is not a plain name): its entries stay.")
    exists = subprocess.run(
        ["psql", PG + "/postgres", "-tAc", f"SELECT 1 FROM pg_database WHERE datname = '{args.database}'"],  # noqa: S608,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    fresh = not (args.keep and exists)
    if fresh:
        psql = ["psql", PG + "/postgres", "-q", "-c"]
        subprocess.run([*psql, f"DROP DATABASE IF EXISTS {args.database}"], check=True)
        subprocess.run([*psql, f"CREATE DATABASE {args.database}"], check=True)
    os.environ["DATABASE_URL"] = f"{PG}/{args.database}"
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    import audit_plans
    import ui_pages

    # In process over plain HTTP, as bench/ui_pages.py: no redirect to HTTPS (DEBUG stays off).
    os.environ.setdefault("SECURE_SSL_REDIRECT", "0")

    audit_plans.setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    held = audit_plans.sql("SELECT count(*) FROM audit_auditentry")[0][0]
    if held < args.entries:
        print(f"loading {args.entries - held:,} audit entries ...", file=sys.stderr, flush=True)
        audit_plans.load(args.entries - held)
    else:
        print(f"the database holds {held:,} entries already", file=sys.stderr)

    from django.contrib.auth import get_user_model
    from django.test.utils import setup_test_environment

    from cases import services
    from cases.models import Role

    setup_test_environment()
    auditor = get_user_model().objects.filter(username="bench_auditor").first()
    if auditor is None:
        auditor = services.staff_create(
            username="bench_auditor", password=secrets.token_urlsafe(24), role=Role.AUDITOR, agency=None
        )
    client = ui_pages.signed_in_client(auditor)

    chosen = audit_plans.pick()
    day = chosen["since"][:10]
    week_start = (date.fromisoformat(day) - timedelta(days=6)).isoformat()
    first = client.get(f"/audit/?case={chosen['busiest_case']}").content.decode()
    cursor = re.search(r"before=([^&\"]+)", first)
    if cursor is None:
        sys.exit("the busiest case's first page links to no next page")
    next_page = cursor.group(1)
    pages = {
        "search form": "/audit/",
        "a typical case": f"/audit/?case={chosen['typical_case']}",
        "the busiest case": f"/audit/?case={chosen['busiest_case']}",
        "the busiest case, next page": f"/audit/?case={chosen['busiest_case']}&before={next_page}",
        "a user's day": f"/audit/?actor=user0042&since={day}&until={day}",
        "the busiest user's day": f"/audit/?actor=user0000&since={day}&until={day}",
        "refused attempts in a week": f"/audit/?action=denied&since={week_start}&until={day}",
        "everything, newest first": "/audit/?since=&until=&actor=&case=",
    }
    print(f"## The auditor's log search at {max(held, args.entries):,} audit entries\n")
    requests = {label: (lambda url=url: client.get(url)) for label, url in pages.items()}
    return ui_pages.measure(requests, rounds=args.rounds, ok=(200,), heading="search")


if __name__ == "__main__":
    sys.exit(main())
