"""Append chain links for committed audit entries. ``--loop 1`` is the sealer process started with
the service (``make serve``; a systemd unit in docs/operations.md; decision 0016)."""

from __future__ import annotations

import signal
import sys
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from audit import chain


class Command(BaseCommand):
    help = "Seal committed audit entries into the hash chain (safe to run concurrently and to interrupt)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", type=float, default=0, help="keep sealing every N seconds (the service: 1)")
        parser.add_argument("--full-scan", action="store_true", help="also look for very late commits")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["loop"]:
            count = chain.seal(full_scan=options["full_scan"], progress=lambda n: sys.stderr.write(f"\rsealed +{n}"))
            self.stdout.write(f"sealed {count} entries; head {chain.head()['hash']}")
            return
        if options["full_scan"]:
            chain.seal(full_scan=True)
        stop = threading.Event()
        # systemd and make stop the sealer with SIGTERM: finish the batch in hand, then exit.
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        self.stdout.write(f"sealing every {options['loop']:g} s; head {chain.head()['hash']}")
        self.stdout.flush()
        chain.seal_continuously(
            interval=options["loop"], stop=stop, on_sealed=lambda n: self.stdout.write(f"sealed {n} entries")
        )
