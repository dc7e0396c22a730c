"""Consents that expire within N days, and cases where a birthday stopped sharing in the last N
days, over all open cases (the API shows coordinators the same for their own cases)."""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from cases.models import Case, CaseStatus
from consent.reports import consent_report


class Command(BaseCommand):
    help = "List consents about to expire and sharing stopped by an age change (JSON on stdout)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=30)
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args: Any, **options: Any) -> None:
        queryset = Case.objects.filter(status=CaseStatus.OPEN).select_related("key", "youth").order_by("id")
        total = queryset.count()
        result: dict[str, list[Any]] = {"expiring": [], "stopped_by_age": []}
        done = 0
        last_id = None
        while True:
            batch_qs = queryset if last_id is None else queryset.filter(id__gt=last_id)
            batch = list(batch_qs[: options["batch_size"]])
            if not batch:
                break
            part = consent_report(cases=batch, now=timezone.now(), horizon=timedelta(days=options["days"]))
            for key in result:
                result[key].extend(part[key])
            done += len(batch)
            last_id = batch[-1].pk
            sys.stderr.write(f"\rchecked {done}/{total} open cases")
        sys.stderr.write("\n")
        self.stdout.write(json.dumps(result, indent=2))
