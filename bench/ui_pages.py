#!/usr/bin/env python
"""The web UI's pages, server time, at 1,000 cases (issue 16: every page p95 < 150 ms).

Seeds a fresh PostgreSQL database with bench/seed.py (1,000 cases; the bench social worker on the
team of 60), signs in as that social worker, and requests each page of the daily work in
process (Django's test client: the whole middleware stack, templates included; no network) a
number of times, printing p50 and p95 per page. Exits non-zero if any page's p95 is over the
limit.

    make bench-ui          # or: .venv/bin/python bench/ui_pages.py --cases 1000 --rounds 40
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
LIMIT_MS = 150.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--database", default="sspf_bench_ui")
    args = parser.parse_args()
    psql = ["psql", PG + "/postgres", "-q", "-c"]
    subprocess.run([*psql, f"DROP DATABASE IF EXISTS {args.database}"], check=True)
    subprocess.run([*psql, f"CREATE DATABASE {args.database}"], check=True)
    os.environ["DATABASE_URL"] = f"{PG}/{args.database}"
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    call_command("migrate", verbosity=0)
    import seed as bench_seed

    print(f"seeding {args.cases} cases ...", file=sys.stderr)
    bench_seed.seed(cases=args.cases, audit_entries=0, rng=random.Random(20261205))
    setup_test_environment()
    from django.contrib.auth import get_user_model

    from content.access import case_queryset_for_user

    worker = get_user_model().objects.get(username="bench_sw")
    client = signed_in_client(worker)
    case = case_queryset_for_user(worker).order_by("number").first()
    assert case is not None
    pages = {
        "start": ("get", "/start/", None),
        "my cases": ("get", "/cases/", None),
        "my cases, filtered": ("get", "/cases/?track=sspf&status=open", None),
        "lookup by personal number": ("post", "/cases/", {"personal_number": "19121212-1212"}),
        "case page": ("get", f"/cases/{case.pk}/", None),
        "record a consent (form)": ("get", f"/cases/{case.pk}/consents/new/", None),
        "record a meeting (form)": ("get", f"/cases/{case.pk}/meetings/new/", None),
        "write a note (form)": ("get", f"/cases/{case.pk}/notes/new/", None),
        "intake queue": ("get", "/referrals/", None),
    }
    requests = {
        label: (lambda method=method, url=url, data=data: getattr(client, method)(url, *([data] if data else [])))
        for label, (method, url, data) in pages.items()
    }
    return measure(requests, rounds=args.rounds, ok=(200, 400), heading="page")


def signed_in_client(user: Any) -> Any:
    """A test client with a session that passed the password and the code, as the sign-in leaves."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY

    from accounts.services import device_bootstrap

    device = device_bootstrap(user=user)
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session["web_signed_in_at"] = int(time.time())
    session.save()
    return client


def measure(requests: dict[str, Callable[[], Any]], *, rounds: int, ok: tuple[int, ...], heading: str) -> int:
    """Each request ``rounds`` times; a Markdown table of p50 and p95 (ms); 1 if any p95 is over
    the limit (named on stderr), else 0. A status outside ``ok`` stops the run."""
    failed = []
    print(f"| {heading} | p50 ms | p95 ms | rounds |\n|---|---|---|---|")
    for label, request in requests.items():
        times = []
        for _ in range(rounds):
            started = time.perf_counter()
            response = request()
            times.append((time.perf_counter() - started) * 1000)
            if response.status_code not in ok:
                raise SystemExit(f"{label}: answered {response.status_code}")
        times.sort()
        p95 = times[max(0, int(len(times) * 0.95) - 1)]
        print(f"| {label} | {statistics.median(times):.1f} | {p95:.1f} | {len(times)} |", flush=True)
        if p95 > LIMIT_MS:
            failed.append(label)
    if failed:
        print(f"over {LIMIT_MS:.0f} ms at p95: {', '.join(failed)}", file=sys.stderr)
        return 1
    print(f"every {heading}'s p95 is under {LIMIT_MS:.0f} ms", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
