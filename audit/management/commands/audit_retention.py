"""Remove audit entries older than the cut-off through the signed retention path (docs/audit.md).

Run it as the audit tables' owner role, not the app role. --dry-run says what would go.
"""

from __future__ import annotations

import getpass
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.dateparse import parse_datetime

from audit import log_retention as retention


class Command(BaseCommand):
    help = "Remove the chain's oldest part older than --before, leaving a signed retention record."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--before", required=True, help="ISO 8601 time with offset")
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        before = parse_datetime(options["before"])
        if before is None or before.tzinfo is None:
            raise CommandError("--before must be an ISO 8601 time with an offset, e.g. 2021-01-01T00:00:00+01:00")
        last, count = retention.plan(before=before)
        if options["dry_run"]:
            self.stdout.write(f"would remove {count} entries (chain links up to {last})")
            return
        try:
            record = retention.remove_expired(before=before, performed_by=getpass.getuser())
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if record is None:
            self.stdout.write("nothing to remove")
            return
        self.stdout.write(
            f"removed {record.entries_removed} entries; chain continues at link {record.first_seq_kept} "
            f"from {record.boundary_hash}; record {record.pk} signed"
        )
