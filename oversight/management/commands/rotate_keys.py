"""Re-wrap every case data key under the first (newest) key in FIELD_ENCRYPTION_KEYS.

Run it after putting a new key first in FIELD_ENCRYPTION_KEYS (old keys stay listed). When it
reports 0 remaining, the old master keys can be removed. Interrupting it loses nothing; run it
again to continue. It lives in ``oversight`` because it audits each batch through
``audit.services``, which ``cases`` (where the re-wrapping is) sits below.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from audit.services import keys_rewrapped
from cases import crypto
from cases.keys import case_keys_pending_rewrap, case_keys_rewrap


class Command(BaseCommand):
    help = "Re-wrap case data keys under the newest master key (safe to interrupt and re-run)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=1000)
        parser.add_argument("--limit", type=int, default=None, help="stop after this many keys")

    def handle(self, *args: Any, **options: Any) -> None:
        total = case_keys_pending_rewrap()
        current = crypto.keyring().current_id
        self.stdout.write(f"{total} case keys to re-wrap under master key {current!r}")
        done = 0
        started = time.monotonic()

        def progress(count: int) -> None:
            nonlocal done
            done += count
            width = 30
            filled = width * done // total if total else width
            rate = done / max(time.monotonic() - started, 1e-9)
            sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} ({rate:,.0f}/s)")
            sys.stderr.flush()

        result = case_keys_rewrap(
            audit=keys_rewrapped, batch_size=options["batch_size"], limit=options["limit"], progress=progress
        )
        if total:
            sys.stderr.write("\n")
        self.stdout.write(f"re-wrapped {result.rewrapped}, remaining under older keys {result.remaining}")
