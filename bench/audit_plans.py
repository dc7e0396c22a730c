#!/usr/bin/env python
"""Query plans of the auditors' searches on a large audit log (docs/audit.md, "Query plans").

``--load N`` bulk-loads N entries into ``audit_auditentry`` with one ``INSERT ... SELECT ... FROM
generate_series`` per million (about 100,000 cases with skewed popularity, about 2,000 actors,
also skewed, timestamps spread evenly over 3 years, 90 % ``access``), with the table's secondary
indexes dropped during the load and rebuilt after it (same definitions), then VACUUM ANALYZE.
``--explain`` captures the SQL that ``api/audit.py`` issues for the searches (the filter set and
the cursor paginator, first page and next page) and prints ``EXPLAIN (ANALYZE, BUFFERS)`` for
each, plus the time of the whole search in Python (filter, page, serialise; best of 3), and the
sealer's and verify's own scans. ``--anomalies`` times the anomaly search over the last 1, 7 and
30 days and a log check's start over the last 30. ``--verify-at-scale N`` times a verify that
continues from a checkpoint after N new entries.

Scratch databases only (the entries can never be deleted):

    createdb -h 127.0.0.1 -U postgres sspf_bench_audit
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sspf_bench_audit .venv/bin/python manage.py migrate
    DATABASE_URL=... .venv/bin/python bench/audit_plans.py --load 10000000 --explain
    dropdb -h 127.0.0.1 -U postgres sspf_bench_audit
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CASES = 100_000
ACTORS = 2_000

LOAD = """
INSERT INTO audit_auditentry (object_pk, object_repr, action, changes_text, cid, remote_addr, timestamp,
    additional_data, event, actor_username, case_ref, case_number, fields_shown, changed_fields, content_type_id)
SELECT c.ref::text, 'case ' || c.ref::text,
       CASE e.ev WHEN 'update' THEN 1 WHEN 'create' THEN 0 ELSE 3 END,
       '', md5(g::text), ('10.' || (g %% 250) || '.' || (g / 250 %% 250) || '.1')::inet,
       %(t0)s::timestamptz + ((g - 1) + x.jitter) * %(step)s::interval,
       jsonb_build_object('view', 'CaseDetailApi'),
       e.ev, 'user' || lpad(x.a::text, 4, '0'), c.ref, c.number,
       CASE WHEN e.ev = 'access' THEN '["identity", "notes"]'::jsonb ELSE '[]'::jsonb END,
       CASE WHEN e.ev = 'update' THEN '["summary", "version"]'::jsonb ELSE '[]'::jsonb END,
       %(ct)s
FROM generate_series(%(lo)s, %(hi)s) g
CROSS JOIN LATERAL (
    SELECT floor(%(cases)s * random() ^ 2 + 0 * g)::int AS ci,   -- case 0 is the busiest
           floor(%(actors)s * random() ^ 2 + 0 * g)::int AS a,   -- user0000 is the busiest
           random() + 0 * g AS r, random() + 0 * g AS jitter
) x
CROSS JOIN LATERAL (
    SELECT md5('case' || x.ci)::uuid AS ref,
           (CASE WHEN x.ci %% 2 = 0 THEN 'SSPF-' ELSE 'LKP-' END) || (2022 + (x.ci / 2) %% 4) || '-'
           || lpad((x.ci / 8)::text, greatest(4, length((x.ci / 8)::text)), '0') AS number
) c
CROSS JOIN LATERAL (
    SELECT CASE WHEN x.r < 0.90 THEN 'access' WHEN x.r < 0.95 THEN 'update' WHEN x.r < 0.97 THEN 'create'
                WHEN x.r < 0.99 THEN 'denied' ELSE 'emergency' END AS ev
) e
"""


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("ALLOWED_HOSTS", "localhost")
    import django

    django.setup()


def sql(statement: str, params: Any = None) -> list[tuple[Any, ...]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else []


def load(rows: int) -> None:
    from datetime import timedelta

    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone

    from audit import partitions
    from cases.models import Case

    content_type = ContentType.objects.get_for_model(Case).pk
    now = timezone.now()
    t0 = now - timedelta(days=3 * 365)
    created, _blocked = partitions.ensure(since=t0)  # each loaded month in its own partition
    print(f"{len(created)} month partitions created", flush=True)
    step = timedelta(days=3 * 365) / rows
    sql("SET synchronous_commit = off")
    sql("SET maintenance_work_mem = '1GB'")
    indexes = sql(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'audit_auditentry' "
        "AND indexname <> 'audit_auditentry_pkey'"
    )
    started = time.monotonic()
    for name, _definition in indexes:
        sql(f'DROP INDEX "{name}"')
    chunk = 1_000_000
    for lo in range(1, rows + 1, chunk):
        hi = min(rows, lo + chunk - 1)
        sql(
            LOAD,
            {
                "t0": t0,
                "step": step,
                "ct": content_type,
                "lo": lo,
                "hi": hi,
                "cases": CASES,
                "actors": ACTORS,
            },
        )
        print(f"loaded {hi:,} rows ({time.monotonic() - started:.0f} s)", flush=True)
    for name, definition in indexes:
        one = time.monotonic()
        # pg_indexes gives a partitioned table's index as "ON ONLY" (the parent alone): built on
        # every month partition instead.
        sql(definition.replace(" ON ONLY ", " ON "))
        print(f"rebuilt {name} ({time.monotonic() - one:.0f} s)", flush=True)
    one = time.monotonic()
    sql("VACUUM ANALYZE audit_auditentry")
    sql("VACUUM ANALYZE audit_auditchainlink")
    print(f"VACUUM ANALYZE ({time.monotonic() - one:.0f} s); load took {time.monotonic() - started:.0f} s", flush=True)


# --- the searches as the API issues them --------------------------------------------------------


def auditor() -> Any:
    """The auditor the searches run as (the log search is the auditors' alone)."""
    from django.contrib.auth.models import User

    from cases.models import Role
    from cases.services import staff_create

    found = User.objects.filter(username="bench_auditor").first()
    return found or staff_create(username="bench_auditor", password="x" * 16, role=Role.AUDITOR, agency=None)


def api_request(params: dict[str, str]) -> Any:
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory, force_authenticate

    request = APIRequestFactory().get("/api/v1/audit/entries/", params, HTTP_HOST="localhost")
    force_authenticate(request, user=auditor())
    return Request(request, authenticators=[])


def search(params: dict[str, str]) -> tuple[list[str], float, str | None, int]:
    """Run the list endpoint's query path; return the SQL it issued, the best-of-3 time, the
    next page's cursor link and the number of rows on the page."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from api.audit import EntryCursor, EntryOutput, _filtered

    best, captured, next_link, count = float("inf"), [], None, 0
    for _ in range(3):
        request = api_request(params)
        paginator = EntryCursor()
        with CaptureQueriesContext(connection) as queries:
            started = time.monotonic()
            page = paginator.paginate_queryset(_filtered(request)[0], request, view=None) or []
            EntryOutput(page, many=True).data  # noqa: B018 - serialise, as the view does
            took = time.monotonic() - started
        best = min(best, took)
        captured = [q["sql"] for q in queries.captured_queries]
        next_link, count = paginator.get_next_link(), len(page)
    return captured, best, next_link, count


def explain(statement: str) -> tuple[str, float]:
    rows = sql("EXPLAIN (ANALYZE, BUFFERS) " + statement)
    text = "\n".join(r[0] for r in rows)
    execution = next(float(r[0].split()[-2]) for r in rows if r[0].startswith("Execution Time"))
    return text, execution


def pick() -> dict[str, str]:
    """A typical and the busiest case and actor, and a weekday in the middle of the period."""
    from datetime import datetime, timedelta

    from django.utils import timezone

    busiest_case = sql("SELECT case_number FROM audit_auditentry WHERE case_ref = md5('case0')::uuid LIMIT 1")[0][0]
    typical_case, typical_ref = sql(
        "SELECT case_number, case_ref FROM audit_auditentry WHERE case_ref = md5('case5000')::uuid LIMIT 1"
    )[0]
    low, high = sql("SELECT min(timestamp), max(timestamp) FROM audit_auditentry")[0]
    day = timezone.localtime(low + (high - low) / 2).date()
    while day.weekday() >= 5:
        day += timedelta(days=1)
    middle = timezone.make_aware(datetime.combine(day, datetime.min.time()))
    next_day = timezone.make_aware(datetime.combine(day + timedelta(days=1), datetime.min.time()))
    return {
        "busiest_case": busiest_case,
        "typical_case": typical_case,
        "typical_ref": str(typical_ref),
        "since": middle.isoformat(),
        "until": next_day.isoformat(),
    }


def report_explain(args: argparse.Namespace) -> None:
    from urllib.parse import parse_qs, urlparse

    from audit.chain import _unsealed

    chosen = pick()
    counts = {
        name: sql(f"SELECT count(*) FROM audit_auditentry WHERE {where}", [value])[0][0]  # noqa: S608
        for name, where, value in [
            ("typical case", "case_number = %s", chosen["typical_case"]),
            ("busiest case", "case_number = %s", chosen["busiest_case"]),
            ("user1000", "actor_username = %s", "user1000"),
            ("user0000", "actor_username = %s", "user0000"),
        ]
    }
    total = sql("SELECT count(*) FROM audit_auditentry")[0][0]
    print(f"# {total:,} entries; entries per subject: {counts}; day {chosen['since']} .. {chosen['until']}\n")
    searches = [
        ("case=<number>, a typical case", {"case": chosen["typical_case"]}),
        ("case=<number>, the busiest case", {"case": chosen["busiest_case"]}),
        ("case=<id>, a typical case", {"case": chosen["typical_ref"]}),
        (
            "actor=user1000&since&until (one day), a typical user",
            {"actor": "user1000", "since": chosen["since"], "until": chosen["until"]},
        ),
        (
            "actor=user0000&since&until (one day), the busiest user",
            {"actor": "user0000", "since": chosen["since"], "until": chosen["until"]},
        ),
        ("actor=user0000 (whole history), the busiest user", {"actor": "user0000"}),
        (
            "action=denied&since&until (one day)",
            {"action": "denied", "since": chosen["since"], "until": chosen["until"]},
        ),
    ]
    summary = []
    for label, params in searches:
        for page in (1, 2):
            statements, took, next_link, count = search(params)
            statement = next(s for s in statements if 'FROM "audit_auditentry"' in s and "LIMIT" in s)
            text, execution = explain(statement)
            print(f"## {label}, page {page}: {count} rows; {took * 1000:.1f} ms in Python (best of 3)")
            print(statement)
            print(text + "\n", flush=True)
            summary.append((f"{label}, page {page}", count, execution, took * 1000))
            if not next_link:
                break
            params = {**params, "cursor": parse_qs(urlparse(next_link).query)["cursor"][0]}

    # The sealer's incremental scan and verify's full scans.
    for label, queryset in [
        ("sealer: _unsealed(full_scan=False)[:2000]", _unsealed(False)[:2000]),
        ("sealer/verify: _unsealed(full_scan=True)[:2000]", _unsealed(True)[:2000]),
        ("verify: stray check _unsealed(True).first()", _unsealed(True).values_list("pk", flat=True)[:1]),
    ]:
        statement, params = queryset.query.sql_with_params()
        from django.db import connection

        with connection.cursor() as cursor:
            text_sql = cursor.mogrify(statement, params) if hasattr(cursor, "mogrify") else statement % params
        text, execution = explain(text_sql)
        print(f"## {label}\n{text_sql}\n{text}\n", flush=True)
        summary.append((label, None, execution, None))

    print("| search | rows | EXPLAIN ANALYZE ms | whole search in Python, ms |")
    print("| --- | ---: | ---: | ---: |")
    for label, count, execution, took in summary:
        rows = "" if count is None else str(count)
        python = "" if took is None else f"{took:.1f}"
        print(f"| {label} | {rows} | {execution:.1f} | {python} |")


def placeholder_links() -> None:
    """A link for every entry not yet linked, inserted in SQL with placeholder hashes (so a full
    verify would call the first of them altered: for measuring scans, not the chain)."""
    started = time.monotonic()
    sql("SET synchronous_commit = off")
    sql(
        "INSERT INTO audit_auditchainlink (seq, entry_id, prev_hash, hash, sealed_at) "
        "SELECT coalesce((SELECT max(seq) FROM audit_auditchainlink), 0) + row_number() OVER (ORDER BY e.id), "
        "e.id, repeat('0', 64), lpad(to_hex(e.id), 64, '0'), now() FROM audit_auditentry e "
        "WHERE NOT EXISTS (SELECT 1 FROM audit_auditchainlink l WHERE l.entry_id = e.id) ORDER BY e.id"
    )
    sql("VACUUM ANALYZE audit_auditchainlink")
    links = sql("SELECT count(*) FROM audit_auditchainlink")[0][0]
    print(f"# {links:,} chain links with placeholder hashes ({time.monotonic() - started:.0f} s)\n", flush=True)


def verify_at_scale(new_entries: int) -> None:
    """A verify that continues from a checkpoint, at the size of the loaded log: every loaded entry
    gets a placeholder link and a signed checkpoint is taken at their head (as a full verify that
    held would leave it), then ``new_entries`` fresh entries (a day is about 9,000 at 10 million
    over 3 years) are written, sealed and verified from the checkpoint, best of 3."""
    from datetime import timedelta

    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone

    from audit import chain
    from audit.models import AuditEntry
    from cases.models import Case

    placeholder_links()
    head = chain.head()
    high = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    chain._checkpoint(seq=head["seq"], head_hash=head["hash"], entries_below=high)
    params = {
        "t0": timezone.now(),
        "step": timedelta(milliseconds=1),
        "ct": ContentType.objects.get_for_model(Case).pk,
        "lo": 1,
        "hi": new_entries,
        "cases": CASES,
        "actors": ACTORS,
    }
    sql(LOAD, params)
    sql("ANALYZE audit_auditentry")
    one = time.monotonic()
    sealed = chain.seal(lookback=False)
    print(f"sealed the {sealed:,} new entries in {time.monotonic() - one:.1f} s", flush=True)
    for round_ in range(3):
        one = time.monotonic()
        result = chain.verify()
        took = time.monotonic() - one
        print(
            f"verify from the checkpoint, round {round_ + 1}: {took:.2f} s, ok={result.ok}, "
            f"{result.entries_checked:,} entries checked from link {result.from_seq:,}",
            flush=True,
        )


def sealer_at_scale(new_entries: int) -> None:
    """The sealer's and verify's scans against a link table as large as the entry table.

    Links are inserted in SQL with placeholder hashes for every entry not yet linked (so verify
    would call the first of them altered: this measures scans, not the chain). Then
    ``new_entries`` fresh entries are added and sealed, incrementally and then with a full scan,
    and the scans are explained."""
    from datetime import timedelta

    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone

    from audit import chain
    from cases.models import Case

    placeholder_links()
    content_type = ContentType.objects.get_for_model(Case).pk
    for label, full_scan in (("seal() (incremental, LOOKBACK_IDS)", False), ("seal(full_scan=True)", True)):
        params = {
            "t0": timezone.now(),
            "step": timedelta(milliseconds=1),
            "ct": content_type,
            "lo": 1,
            "hi": new_entries,
            "cases": CASES,
            "actors": ACTORS,
        }
        sql(LOAD, params)
        sql("ANALYZE audit_auditentry")
        for name, queryset in [
            ("_unsealed(full_scan)[:2000]", chain._unsealed(full_scan)[:2000]),
            ("stray check: _unsealed(True).first()", chain._unsealed(True).values_list("pk", flat=True)[:1]),
        ]:
            statement, args = queryset.query.sql_with_params()
            from django.db import connection

            with connection.cursor() as cursor:
                text_sql = cursor.mogrify(statement, args)
            text, execution = explain(text_sql)
            print(f"## {label}: {name}, {new_entries:,} pending\n{text_sql}\n{text}\n", flush=True)
        one = time.monotonic()
        sealed = chain.seal(full_scan=full_scan)
        took = time.monotonic() - one
        print(f"{label}: sealed {sealed:,} new entries in {took:.1f} s = {sealed / took:,.0f} entries/s\n", flush=True)
    one = time.monotonic()
    pending = chain._unsealed(True).values_list("pk", flat=True).first()
    print(f"stray check after sealing (finds nothing, walks everything): {time.monotonic() - one:.2f} s ({pending})")


def anomalies_at_scale() -> None:
    """``anomalies.find`` over the last 1, 7 and 30 days, and a log check's start over the last 30
    (best of 3 each; the log check is started for real, so once per run is plenty)."""
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from oversight import anomalies, log_reviews

    until = timezone.now()
    for days in (1, 7, 30):
        since = until - timedelta(days=days)
        best, findings = float("inf"), []
        for _round in range(3):
            one = time.monotonic()
            findings = anomalies.find(since=since, until=until)
            best = min(best, time.monotonic() - one)
        kinds = sorted({f["kind"] for f in findings})
        print(f"anomalies.find, last {days} day(s): {best:.2f} s, {len(findings):,} findings ({', '.join(kinds)})")
    auditor, _created = get_user_model().objects.get_or_create(username="bench-auditor")
    one = time.monotonic()
    review = log_reviews.review_start(
        actor=auditor, period_start=until - timedelta(days=30), period_end=until, sample_size=100
    )
    print(
        f"log check over the last 30 days: {time.monotonic() - one:.2f} s, {review.items.count():,} items, "
        f"capped: {', '.join(review.findings_capped) or 'none'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--load", type=int, default=0, help="bulk-load this many entries first")
    parser.add_argument("--explain", action="store_true", help="print the searches' plans and timings")
    parser.add_argument("--sealer-at-scale", type=int, default=0, metavar="N", help="link every entry, add N, seal")
    parser.add_argument("--verify-at-scale", type=int, default=0, metavar="N", help="checkpoint, add N, verify")
    parser.add_argument("--anomalies", action="store_true", help="time anomalies.find and a log check's start")
    parser.add_argument("--force", action="store_true", help="run even if the database name lacks 'bench'")
    args = parser.parse_args()
    setup_django()
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("PostgreSQL only: set DATABASE_URL to a scratch PostgreSQL database.")
    if "bench" not in connection.settings_dict["NAME"] and not args.force:
        sys.exit("Refusing to load junk audit entries into a database whose name lacks 'bench'.")
    if args.load:
        load(args.load)
    if args.explain:
        report_explain(args)
    if args.sealer_at_scale:
        sealer_at_scale(args.sealer_at_scale)
    if args.anomalies:
        anomalies_at_scale()
    if args.verify_at_scale:
        verify_at_scale(args.verify_at_scale)


if __name__ == "__main__":
    main()
