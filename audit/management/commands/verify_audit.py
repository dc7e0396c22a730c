"""Recompute the audit hash chain and report the first bad entry (exit status 1 if broken): from the
newest signed checkpoint by default, the whole chain with --full; --checkpoint prints the newest
checkpoint (signed) to keep outside the system."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from audit import chain
from audit.models import AuditCheckpoint


class Command(BaseCommand):
    help = "Verify the audit log's hash chain; --head prints the current head to keep outside the system."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--head", action="store_true", help="only seal and print the head")
        parser.add_argument("--full", action="store_true", help="walk the whole chain, not from the checkpoint")
        parser.add_argument("--checkpoint", action="store_true", help="only print the newest signed checkpoint")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["head"]:
            chain.seal(full_scan=True)
            self.stdout.write(json.dumps(chain.head()))
            return
        if options["checkpoint"]:
            newest = AuditCheckpoint.objects.order_by("-id").values().first()
            self.stdout.write(json.dumps(newest, default=str))
            return
        checked = 0

        def progress(count: int) -> None:
            nonlocal checked
            checked += count
            sys.stderr.write(f"\rchecked {checked:,} entries")

        result = chain.verify(progress=progress, from_checkpoint=not options["full"])
        sys.stderr.write("\n")
        self.stdout.write(json.dumps(result.__dict__))
        if not result.ok:
            sys.exit(1)
