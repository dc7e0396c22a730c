"""Print the demo users' current TOTP codes, to sign in to the web UI after `make run`
(README.md): `python manage.py demo_codes` (add --watch to print them again as they change).

Only with DEBUG=1 (as seed_demo) and only for the demo's own usernames: in production nobody's
code is printed."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.oath import totp

from accounts.models import SealedTOTPDevice
from demo.management.commands.seed_demo import USERS


class Command(BaseCommand):
    help = "Print the demo users' current TOTP codes (DEBUG=1 only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--watch", action="store_true", help="Print the codes again every time they change.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("demo_codes prints sign-in codes; it runs only with DEBUG=1.")
        names = [spec[0] for spec in USERS]
        while True:
            devices = SealedTOTPDevice.objects.filter(user__username__in=names, confirmed=True).select_related("user")
            step = 30
            left = step - int(time.time()) % step
            for device in sorted(devices, key=lambda d: d.user.username):
                code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
                self.stdout.write(f"{device.user.username:8} {code:06d}")
            self.stdout.write(f"(valid for {left} more seconds)")
            if not options["watch"]:
                return
            time.sleep(left + 1)
