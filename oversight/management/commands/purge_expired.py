"""Purge (gallra) closed cases past their retention period: shred the key, delete the rows.

--dry-run lists every due case (number, closure, last entry) with the rule that purges it or what
keeps it; no personal data. Safe to interrupt and re-run.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from oversight.purge import Expired, purge_expired, purge_expired_referrals, referral_review, retention_review


class Command(BaseCommand):
    help = "Purge closed cases whose retention period has run out (docs/retention.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="list what would go; change nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["dry_run"]:
            purged = kept = 0
            for review in retention_review():
                verdict = f"purge: {review.rule}" if review.purge else f"kept: {review.kept_by}"
                self.stdout.write(
                    f"{review.number}\tclosed {review.closed_at:%Y-%m-%d}\t"
                    f"last entry {review.last_entry:%Y-%m-%d}\t{verdict}"
                )
                purged, kept = purged + review.purge, kept + (not review.purge)
            self.stdout.write(f"{purged} cases would be purged, {kept} due cases are kept")
            for referral, keeper in referral_review():
                verdict = f"kept: another record about the person is kept: {keeper}" if keeper else "purge"
                self.stdout.write(f"{referral.number}\tdecided {referral.decided_at:%Y-%m-%d}\t{verdict}")
            return
        done = 0

        def progress(expired: Expired) -> None:
            nonlocal done
            done += 1
            sys.stderr.write(f"\rpurged {done}: {expired.number}   ")

        purged = purge_expired(progress=progress)
        sys.stderr.write("\n")
        self.stdout.write(f"{purged} cases purged")
        self.stdout.write(f"{purge_expired_referrals()} referrals purged")
