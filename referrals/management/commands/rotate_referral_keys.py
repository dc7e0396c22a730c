"""Re-wrap every referral data key under the first (newest) key in FIELD_ENCRYPTION_KEYS.

Run it with ``rotate_keys`` (which re-wraps the case and system keys) after putting a new key
first in FIELD_ENCRYPTION_KEYS. Only when both report 0 remaining may the old master keys be
removed. Interrupting it loses nothing; run it again to continue.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from cases import crypto
from referrals.keys import referral_keys_pending_rewrap, referral_keys_rewrap


class Command(BaseCommand):
    help = "Re-wrap referral data keys under the newest master key (safe to interrupt and re-run)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=1000)
        parser.add_argument("--limit", type=int, default=None, help="stop after this many keys")

    def handle(self, *args: Any, **options: Any) -> None:
        total = referral_keys_pending_rewrap()
        self.stdout.write(f"{total} referral keys to re-wrap under master key {crypto.keyring().current_id!r}")
        done = 0

        def progress(count: int) -> None:
            nonlocal done
            done += count
            sys.stderr.write(f"\r{done}/{total}")
            sys.stderr.flush()

        result = referral_keys_rewrap(batch_size=options["batch_size"], limit=options["limit"], progress=progress)
        if total:
            sys.stderr.write("\n")
        self.stdout.write(f"re-wrapped {result.rewrapped}, remaining under older keys {result.remaining}")
