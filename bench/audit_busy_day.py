#!/usr/bin/env python
"""A national installation's busy day against the plan of a keyed audit search (docs/audit.md,
"Known problems found while measuring").

An auditor's search of one user's day orders by time and stops at a page. The (user, time, id)
index answers it in a few index pages; the plan to fear walks the whole day through the time
index, filtering on the user, which at a day of millions of entries takes seconds when the user
has few entries that day. This loads, on a database already holding ``audit_plans.py --load``'s
entries (2,000 users, skewed):

1. ``--day-entries`` entries yesterday by every user but ``user0000`` (a national day is about
   4 million; 2 million by default);
2. a fifth as many by one account, ``heavy``, over the four days before (within the same month
   when yesterday is after the 5th): one account with a large share of the month's statistics
   and no entry on the day searched, the case in which the planner expects to find a page soon
   by walking the day;
3. ``ANALYZE``, then a seventh as many today, not analysed (statistics that do not know today,
   as between two autovacuum runs).

Then it runs the search the API issues (``bench/audit_plans.py``: the filter set and the cursor
paginator) for those accounts on yesterday and today, prints each plan's top and times, and
exits 1 if any of them walked the period by time instead of using the user's index.

Scratch databases only (the entries can never be deleted); load once per database:

    createdb -h 127.0.0.1 -U postgres sspf_bench_busyday
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sspf_bench_busyday .venv/bin/python manage.py migrate
    DATABASE_URL=... .venv/bin/python bench/audit_plans.py --load 3000000
    DATABASE_URL=... .venv/bin/python bench/audit_busy_day.py
    dropdb -h 127.0.0.1 -U postgres sspf_bench_busyday
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import audit_plans as plans  # noqa: E402

ACTOR_INDEX = "actor_username_timestamp_id_idx"  # each month's copy of audit_actor_time_idx
EVERY_USER_BUT_THE_BUSIEST = plans.LOAD.replace(
    "floor(%(actors)s * random() ^ 2 + 0 * g)::int AS a", "1 + floor((%(actors)s - 1) * random() ^ 2 + 0 * g)::int AS a"
)
ONE_ACCOUNT = plans.LOAD.replace("'user' || lpad(x.a::text, 4, '0')", "'heavy'")


def midnight(day: date) -> datetime:
    from django.utils import timezone

    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


def insert(statement: str, *, start: datetime, span: timedelta, rows: int, label: str) -> None:
    from django.contrib.contenttypes.models import ContentType

    from cases.models import Case

    content_type = ContentType.objects.get_for_model(Case).pk
    started = time.monotonic()
    for lo in range(1, rows + 1, 1_000_000):
        hi = min(rows, lo + 999_999)
        params = {"t0": start, "step": span / rows, "ct": content_type, "lo": lo, "hi": hi}
        plans.sql(statement, {**params, "cases": plans.CASES, "actors": plans.ACTORS})
        print(f"{label}: {hi:,} of {rows:,} ({time.monotonic() - started:.0f} s)", flush=True)


def load(day_entries: int) -> None:
    from django.utils import timezone

    today = timezone.localdate()
    yesterday = today - timedelta(days=1)
    if plans.sql("SELECT 1 FROM audit_auditentry WHERE actor_username = 'heavy' LIMIT 1"):
        sys.exit("This database already has the busy day: measure only (--measure-only), or use a fresh one.")
    plans.sql("SET synchronous_commit = off")
    insert(
        EVERY_USER_BUT_THE_BUSIEST,
        start=midnight(yesterday),
        span=timedelta(days=1),
        rows=day_entries,
        label="yesterday",
    )
    before = max(midnight(yesterday) - timedelta(days=4), midnight(yesterday.replace(day=1)))
    if before == midnight(yesterday):
        print("yesterday is the 1st: the heavy account's entries go in the four days of last month before it")
        before = midnight(yesterday) - timedelta(days=4)
    insert(ONE_ACCOUNT, start=before, span=midnight(yesterday) - before, rows=day_entries // 5, label="heavy")
    plans.sql("ANALYZE audit_auditentry")
    now = timezone.now()
    insert(
        EVERY_USER_BUT_THE_BUSIEST,
        start=midnight(today),
        span=now - midnight(today),
        rows=day_entries // 7,
        label="today",
    )


def measure() -> bool:
    from django.utils import timezone

    today = timezone.localdate()
    ok = True
    print("\n| account | day | its entries that day | entries that day | plan | database ms | search ms |")
    print("| --- | --- | ---: | ---: | --- | ---: | ---: |")
    for actor, day in [
        ("heavy", today - timedelta(days=1)),
        ("heavy", today),
        ("user0000", today - timedelta(days=1)),
        ("user0001", today - timedelta(days=1)),
        ("user1500", today - timedelta(days=1)),
        ("user1500", today),
    ]:
        since, until = midnight(day), midnight(day + timedelta(days=1))
        counts: Any = plans.sql(
            "SELECT count(*) FILTER (WHERE actor_username = %s), count(*) FROM audit_auditentry "
            "WHERE timestamp >= %s AND timestamp < %s",
            [actor, since, until],
        )[0]
        statements, took, _next, _count = plans.search(
            {"actor": actor, "since": since.isoformat(), "until": until.isoformat()}
        )
        statement = next(s for s in statements if 'FROM "audit_auditentry"' in s and "LIMIT" in s)
        text, execution = plans.explain(statement)
        scan = next(line.strip() for line in text.splitlines() if "Scan" in line)
        uses_index = ACTOR_INDEX in scan
        ok = ok and uses_index
        plan = "the user's index" if uses_index else f"**{scan.split('  (')[0]}**"
        label = "yesterday" if day < today else "today (not analysed)"
        print(f"| {actor} | {label} | {counts[0]:,} | {counts[1]:,} | {plan} | {execution:.2f} | {took * 1000:.1f} |")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--day-entries", type=int, default=2_000_000, help="entries on the busy day")
    parser.add_argument("--measure-only", action="store_true", help="the day is loaded: only search")
    parser.add_argument("--force", action="store_true", help="run even if the database name lacks 'bench'")
    args = parser.parse_args()
    plans.setup_django()
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("PostgreSQL only: set DATABASE_URL to a scratch PostgreSQL database.")
    if "bench" not in connection.settings_dict["NAME"] and not args.force:
        sys.exit("Refusing to load junk audit entries into a database whose name lacks 'bench'.")
    if not plans.sql("SELECT 1 FROM audit_auditentry WHERE actor_username = 'user0000' LIMIT 1"):
        sys.exit("Load the base first: bench/audit_plans.py --load 3000000")
    if not args.measure_only:
        load(args.day_entries)
    if not measure():
        sys.exit("A keyed search walked its period by time (the bold plan above).")


if __name__ == "__main__":
    main()
