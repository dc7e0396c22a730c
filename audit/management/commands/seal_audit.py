"""Append chain links for committed audit entries. Run it every few seconds (``--loop``)."""

from __future__ import annotations

import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from audit import chain


class Command(BaseCommand):
    help = "Seal committed audit entries into the hash chain (safe to run concurrently and to interrupt)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", type=float, default=0, help="keep sealing every N seconds")
        parser.add_argument("--full-scan", action="store_true", help="also look for very late commits")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            count = chain.seal(full_scan=options["full_scan"], progress=lambda n: sys.stderr.write(f"\rsealed +{n}"))
            self.stdout.write(f"sealed {count} entries; head {chain.head()['hash']}")
            if not options["loop"]:
                return
            time.sleep(options["loop"])
