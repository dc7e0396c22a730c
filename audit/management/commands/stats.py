"""Print the yearly results statistics as JSON (the same as GET /api/v1/stats/summary)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from audit import statistics


class Command(BaseCommand):
    help = "Yearly counts of cases, visits, meetings and consents; small cells suppressed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(json.dumps(statistics.summary(year=options["year"]), indent=2, ensure_ascii=False))
