"""Purge (gallra) closed cases past their retention period: shred the key, delete the rows.

--dry-run lists case numbers and closure dates only. Safe to interrupt and re-run.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from oversight.purge import Expired, expired_cases, purge_expired


class Command(BaseCommand):
    help = "Purge closed cases whose retention period has run out (docs/retention.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="list what would go; change nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["dry_run"]:
            count = 0
            for expired in expired_cases():
                self.stdout.write(f"{expired.number}\tclosed {expired.closed_at:%Y-%m-%d}\t{expired.rule}")
                count += 1
            self.stdout.write(f"{count} cases would be purged")
            return
        done = 0

        def progress(expired: Expired) -> None:
            nonlocal done
            done += 1
            sys.stderr.write(f"\rpurged {done}: {expired.number}   ")

        purged = purge_expired(progress=progress)
        sys.stderr.write("\n")
        self.stdout.write(f"{purged} cases purged")
