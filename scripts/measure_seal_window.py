"""Measure the audit chain's unsealed window on a running service (docs/audit.md, decision 0016).

Writes load from ``--clients`` threads for ``--seconds`` while reading ``/healthz`` every 0.2 s,
and prints the request rate, the audit entries written and the largest ``audit_unsealed_seconds``
seen. The load is ``GET --path`` with ``--token`` (the case list: one ``access`` entry per case
shown), or without a token failed logins (one ``login_failed`` entry each, slow by design). Only
against a development or test instance: every request leaves entries in its audit log.

    make serve &   # gunicorn and the sealer
    .venv/bin/python scripts/measure_seal_window.py --base http://127.0.0.1:8000 --token <knox token>
"""

from __future__ import annotations

import argparse
import json
import statistics
import threading
import time
import urllib.error
import urllib.request
import uuid


def _post_login(base: str) -> int:
    body = json.dumps({"username": f"load-{uuid.uuid4().hex[:12]}", "password": "not-a-password", "otp": "000000"})
    headers = {"Content-Type": "application/json"}
    request = urllib.request.Request(f"{base}/api/v1/auth/login", data=body.encode(), headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - a URL given by the operator
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def _get(base: str, path: str, token: str) -> int:
    request = urllib.request.Request(f"{base}{path}", headers={"Authorization": f"Bearer {token}"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - a URL given by the operator
        response.read()
        return int(response.status)


def _health(base: str) -> dict[str, object]:
    with urllib.request.urlopen(f"{base}/healthz", timeout=10) as response:  # noqa: S310 - as above
        result: dict[str, object] = json.loads(response.read())
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--token", default="", help="a bearer token: load with GET --path instead of failed logins")
    parser.add_argument("--path", default="/api/v1/cases/")
    args = parser.parse_args()
    if not args.base.startswith(("http://", "https://")):
        parser.error("--base must be an http(s) URL")

    stop = threading.Event()
    statuses: list[int] = []

    def client() -> None:
        while not stop.is_set():
            statuses.append(_get(args.base, args.path, args.token) if args.token else _post_login(args.base))

    threads = [threading.Thread(target=client, daemon=True) for _ in range(args.clients)]
    for thread in threads:
        thread.start()
    ages: list[int] = []
    behind = 0
    started = time.monotonic()
    while time.monotonic() - started < args.seconds:
        health = _health(args.base)
        ages.append(int(str(health["audit_unsealed_seconds"])))
        behind += health["audit_sealing"] != "ok"
        time.sleep(0.2)
    stop.set()
    for thread in threads:
        thread.join(timeout=15)
    elapsed = time.monotonic() - started
    print(
        f"{len(statuses)} requests in {elapsed:.0f} s ({len(statuses) / elapsed:.0f}/s, "
        f"statuses {sorted(set(statuses))}) from {args.clients} clients; "
        f"audit_unsealed_seconds over {len(ages)} samples: max {max(ages)}, "
        f"median {statistics.median(ages)}; 'behind' in {behind}"
    )


if __name__ == "__main__":
    main()
