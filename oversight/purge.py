"""Retention (gallring): closed cases past their retention period are shredded and deleted.

A case is purged when it is closed, its track's retention (CASE_RETENTION_YEARS, counted from
closure) has run out, no legal hold is in force, and no exception keeps it (the research sample:
people born on RETENTION_KEEP_BIRTH_DAYS). Open cases are never purged. Purging one case is one
transaction: an audit entry that names the case number, the rule and the time and nothing else;
then the data key is destroyed (crypto-shredding: backups become unreadable once the master key
that wrapped it is retired); then the rows go. Re-running continues where it stopped.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from auditlog.context import disable_auditlog
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import record
from cases import personnummer
from cases.keys import case_key_shred
from cases.models import Case, CaseStatus, LegalHold, Track
from consent.models import Consent


@dataclass(frozen=True)
class Expired:
    case_id: UUID
    number: str
    closed_at: datetime
    rule: str


def _cut_off(years: int, now: datetime) -> datetime:
    try:
        return now.replace(year=now.year - years)
    except ValueError:  # 29 February
        return now.replace(year=now.year - years, day=28)


def expired_cases(*, now: datetime | None = None, batch_size: int = 500) -> Iterator[Expired]:
    """Closed, unheld cases past retention that no exception keeps, oldest closure first."""
    now = now or timezone.now()
    held = LegalHold.objects.filter(case=OuterRef("pk"), released_at__isnull=True)
    due = Q()
    for track in Track:
        years = settings.CASE_RETENTION_YEARS[track.value]
        due |= Q(track=track.value, closed_at__lt=_cut_off(years, now))
    queryset = (
        Case.objects.filter(status=CaseStatus.CLOSED)
        .filter(due)
        .exclude(Exists(held))
        .select_related("key", "youth")
        .order_by("closed_at", "id")
    )
    last = None
    while True:
        page = (
            queryset
            if last is None
            else queryset.filter(Q(closed_at__gt=last[0]) | Q(closed_at=last[0], id__gt=last[1]))
        )
        batch = list(page[:batch_size])
        if not batch:
            return
        for case in batch:
            if case.closed_at is None:  # never: the closed_at__lt filter leaves NULL out
                continue
            born = personnummer.birth_date(case.youth.personal_number)
            if born.day in settings.RETENTION_KEEP_BIRTH_DAYS:
                continue  # research sample: kept (socialtjänstförordningen 7 kap. 2 §)
            years = settings.CASE_RETENTION_YEARS[case.track]
            yield Expired(case.pk, case.number, case.closed_at, f"{case.track}: {years} years after closure")
        last = (batch[-1].closed_at, batch[-1].pk)


@transaction.atomic
def case_purge(*, expired: Expired) -> bool:
    """Audit, shred and delete one case. Returns False if it is already gone (a re-run)."""

    case = Case.objects.select_for_update(of=("self",)).filter(pk=expired.case_id).first()
    if case is None:
        return False
    # Look again under the lock: a hold placed, or the case reopened, since the list was made wins.
    if case.status != CaseStatus.CLOSED or LegalHold.objects.filter(case=case, released_at__isnull=True).exists():
        return False
    record(
        event=AuditEvent.PURGE,
        model=Case,
        object_pk=str(case.pk),
        case=case,
        actor_username=f"system:{getpass.getuser()}",
        extra={"rule": expired.rule, "closed_at": expired.closed_at.isoformat()},
    )
    case_key_shred(case=case)
    # The rows go without per-row audit entries: the purge entry above is the trace, and a
    # deleted row's diff would need the key that was just destroyed. Consents first: they
    # protect the guardians they name from being deleted on their own.
    with disable_auditlog():
        Consent.objects.filter(case=case).delete()
        case.delete()
    return True


def purge_expired(*, now: datetime | None = None, progress: Callable[[Expired], None] | None = None) -> int:
    purged = 0
    for expired in list(expired_cases(now=now)):
        if case_purge(expired=expired):
            purged += 1
        if progress is not None:
            progress(expired)
    return purged
