"""Mail each user who has reminders that they have some, with a link: run daily (cron or a systemd timer,
docs/operations.md). Idempotent: a user mailed today is not mailed again the same day (the audit
entry of the mailing is the record). A mail carries a link, never a count, a name, a personal
number or a case number (an address is one administrator's to change)."""

from __future__ import annotations

import sys
from datetime import datetime, time
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from audit.models import AuditEntry, AuditEvent
from audit.services import record
from oversight.reminders import reminders_for


class Command(BaseCommand):
    help = "Mail every user with open reminders that they have some, and a link (daily; safe to re-run)."

    def handle(self, *args: Any, **options: Any) -> None:
        today = timezone.localdate()
        start = timezone.make_aware(datetime.combine(today, time.min))
        users = get_user_model().objects.filter(is_active=True).exclude(email="").order_by("pk")
        total = users.count()
        sent = 0
        for position, user in enumerate(users.iterator(), start=1):
            sys.stderr.write(f"\r{position}/{total} users   ")
            mailed = AuditEntry.objects.filter(
                event=AuditEvent.NOTIFY, object_pk=str(user.pk), timestamp__gte=start
            ).exists()
            if mailed:
                continue
            count = len(reminders_for(user=user))
            if not count:
                continue
            with override(settings.LANGUAGE_CODE):
                subject = _("SSPF: you have reminders")
                # No count: an address is one administrator's to change, and a count says how
                # many consents are ending or referrals waiting (decision 0014).
                body = _("You have open reminders in the SSPF service: %(link)s") % {
                    "link": settings.SITE_URL.rstrip("/") + "/"
                }
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
            record(
                event=AuditEvent.NOTIFY,
                model=type(user),
                object_pk=str(user.pk),
                actor_username="system:reminders",
                extra={"reminders": count, "day": today.isoformat()},
            )
            sent += 1
        sys.stderr.write("\n")
        self.stdout.write(f"{sent} reminder mails sent")
