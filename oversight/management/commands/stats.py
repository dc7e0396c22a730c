"""Print the yearly results statistics as JSON (the same as GET /api/v1/stats/summary)."""

from __future__ import annotations

import getpass
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from audit.models import AuditEntry, AuditEvent
from audit.services import record
from oversight import statistics


class Command(BaseCommand):
    help = "Yearly counts of cases, visits, meetings and consents; small cells suppressed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        year = options["year"]
        if not 2000 <= year <= timezone.now().year:
            raise CommandError(f"--year must be between 2000 and {timezone.now().year}.")
        record(
            event=AuditEvent.EXPORT,
            model=AuditEntry,
            object_pk="",
            actor_username=f"system:{getpass.getuser()}",
            extra={"statistics": year},
        )
        self.stdout.write(json.dumps(statistics.summary(year=year), indent=2, ensure_ascii=False))
