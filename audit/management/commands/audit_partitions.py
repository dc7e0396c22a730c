"""Create the audit log's month partitions ahead, and say whether they are (docs/operations.md).

Run monthly as the owner role (every migrate runs it too). Re-running creates nothing twice.
``--check`` creates nothing and exits 1 when fewer than one month lies ahead or the default
partition holds entries; ``--since`` creates past months too (for entries loaded from elsewhere).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.dateparse import parse_date

from audit import partitions


class Command(BaseCommand):
    help = "Create the audit log's month partitions ahead (PostgreSQL), or check them with --check."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--ahead", type=int, default=None, help="months past this one (AUDIT_PARTITIONS_AHEAD)")
        parser.add_argument("--since", default=None, help="first month to create, YYYY-MM-DD (default: this month)")
        parser.add_argument("--check", action="store_true", help="create nothing; exit 1 if something is wrong")

    def handle(self, *args: Any, **options: Any) -> None:
        if not partitions.is_partitioned():
            self.stdout.write("the audit log is not partitioned here (SQLite): nothing to do")
            return
        if options["check"]:
            self._check()
            return
        since = None
        if options["since"]:
            day = parse_date(options["since"])
            if day is None:
                raise CommandError("--since must be a date, YYYY-MM-DD")
            since = datetime(day.year, day.month, 1, tzinfo=UTC)
        created, blocked = partitions.ensure(since=since, ahead=options["ahead"])
        for name in created:
            self.stdout.write(f"created {name}")
        for name in blocked:
            self.stderr.write(f"not created {name}: the default partition holds entries of that month")
        self.stdout.write(f"{len(created)} created; {partitions.months_ahead()} months ahead")
        if blocked:
            raise CommandError(f"{len(blocked)} months could not be created (see above; docs/operations.md)")

    def _check(self) -> None:
        ahead, strays = partitions.months_ahead(), partitions.default_count()
        self.stdout.write(f"{ahead} months ahead; {strays} entries in the default partition")
        if ahead < 1:
            raise CommandError("no month partition ahead: run audit_partitions as the owner role (docs/operations.md)")
        if strays:
            raise CommandError(
                "entries lie in the default partition: dated where no month partition was (a lapsed "
                "monthly job, a wrong clock, a backdated write); see docs/operations.md"
            )
