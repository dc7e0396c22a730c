"""Retention (gallring) per person: closed cases past their retention period are shredded and
deleted.

A case is due when it is closed and its track's retention (CASE_RETENTION_YEARS) has run out,
counted from the case's **last entry** (its closure, or anything recorded on it later, such as a
consent withdrawn after closing), and, where CASE_RETENTION_YEARS_FROM_BIRTH is set for the track,
that many years from the youth's birth have passed too. A due case is still kept when a legal
hold is in force, when the youth was born on a research day (RETENTION_KEEP_BIRTH_DAYS), or while
another record about the same person is kept: another case that is not itself due (Old Social
Services Act 12 kap.: records are not purged while other records on the person are kept). The
same person is found by the blind index of the personal number and confirmed by comparing the
decrypted numbers (the index is truncated: many people share each value). Open cases are never
purged. ``retention_review`` says for each due case whether it goes and by which rule, or what
keeps it; the dry run prints that, and the purge's audit entry names the rule.

Purging one case is one transaction: an audit entry that names the case number, the rule and the
time and nothing else; then the data key is destroyed (crypto-shredding: backups become
unreadable once the master key that wrapped it is retired); then the rows go. Re-running
continues where it stopped.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from auditlog.context import disable_auditlog
from django.conf import settings
from django.db import transaction
from django.db.models import DateTimeField, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import record
from cases import personnummer
from cases.keys import case_key_shred
from cases.models import Case, CaseStatus, HomeVisit, LegalHold, Meeting, Note, PoliceLink, Track, VisitNote
from consent.models import Consent, ConsentEvidence, ConsentWithdrawal


@dataclass(frozen=True)
class Expired:
    case_id: UUID
    number: str
    closed_at: datetime
    rule: str


@dataclass(frozen=True)
class Review:
    """A due case: purged by ``rule``, or kept (``kept_by`` names what keeps it)."""

    case_id: UUID
    number: str
    closed_at: datetime
    last_entry: datetime
    rule: str
    kept_by: str = ""

    @property
    def purge(self) -> bool:
        return not self.kept_by


def _years_before(years: int, now: datetime) -> datetime:
    try:
        return now.replace(year=now.year - years)
    except ValueError:  # 29 February
        return now.replace(year=now.year - years, day=28)


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _latest(queryset: QuerySet, field: str) -> Subquery:  # type: ignore[type-arg]
    return Subquery(queryset.order_by(f"-{field}").values(field)[:1], output_field=DateTimeField())


def with_last_entry(queryset: QuerySet[Case]) -> QuerySet[Case]:
    """Each case with ``last_entry``: its closure or the latest row recorded on it since, one
    subquery per kind of record (no join fan-out)."""
    case = OuterRef("pk")
    latest = [
        _latest(Note.objects.filter(case=case), "created_at"),
        _latest(Meeting.objects.filter(case=case), "created_at"),
        _latest(HomeVisit.objects.filter(case=case), "created_at"),
        _latest(VisitNote.objects.filter(case=case), "created_at"),
        _latest(PoliceLink.objects.filter(case=case), "linked_at"),
        _latest(Consent.objects.filter(case=case), "recorded_at"),
        _latest(ConsentWithdrawal.objects.filter(consent__case=case), "recorded_at"),
        _latest(ConsentEvidence.objects.filter(case=case), "uploaded_at"),
    ]
    return queryset.annotate(last_entry=Greatest("closed_at", *(Coalesce(sub, "closed_at") for sub in latest)))


def _due_by_entry(now: datetime) -> Q:
    due = Q()
    for track in Track:
        due |= Q(track=track.value, last_entry__lt=_years_before(settings.CASE_RETENTION_YEARS[track.value], now))
    return due


def _birth_rule_keeps(case: Case, now: datetime) -> bool:
    years = settings.CASE_RETENTION_YEARS_FROM_BIRTH.get(case.track, 0)
    if not years:
        return False
    return _add_years(personnummer.birth_date(case.youth.personal_number), years) > timezone.localdate(now)


def _same_person_kept(case: Case, due_ids: set[UUID]) -> str:
    """The number of another case about the same person that is kept (not due), or ""."""
    others = (
        Case.objects.filter(youth__personal_number_index=case.youth.personal_number_index)
        .exclude(pk=case.pk)
        .select_related("key", "youth")
        .order_by("opened_at", "id")
    )
    for other in others:
        if other.youth.personal_number == case.youth.personal_number and other.pk not in due_ids:
            return other.number
    return ""


def retention_review(*, now: datetime | None = None) -> Iterator[Review]:
    """Every closed case whose retention from its last entry has run out, oldest closure first,
    with what purges or keeps it. Reads due cases' ids first (a set of UUIDs), then goes case by
    case: the decisions for same-person records need the whole set."""
    now = now or timezone.now()
    due = with_last_entry(Case.objects.filter(status=CaseStatus.CLOSED)).filter(_due_by_entry(now))
    due_ids = set(due.values_list("pk", flat=True))
    held = LegalHold.objects.filter(case=OuterRef("pk"), released_at__isnull=True)
    rows = due.annotate(held=Exists(held)).select_related("key", "youth").order_by("closed_at", "id")
    for case in rows.iterator(chunk_size=500):
        years = settings.CASE_RETENTION_YEARS[case.track]
        rule = f"{case.track}: {years} years after the last entry"
        base = {"case_id": case.pk, "number": case.number, "closed_at": case.closed_at, "last_entry": case.last_entry}
        if case.held:
            yield Review(**base, rule=rule, kept_by="legal hold")
            continue
        born = personnummer.birth_date(case.youth.personal_number)
        if born.day in settings.RETENTION_KEEP_BIRTH_DAYS:
            yield Review(**base, rule=rule, kept_by="research sample (born on a kept day)")
            continue
        if _birth_rule_keeps(case, now):
            kept = settings.CASE_RETENTION_YEARS_FROM_BIRTH[case.track]
            yield Review(**base, rule=rule, kept_by=f"{kept} years from birth have not passed")
            continue
        other = _same_person_kept(case, due_ids)
        if other:
            yield Review(**base, rule=rule, kept_by=f"another record about the person is kept: {other}")
            continue
        yield Review(**base, rule=rule)


def expired_cases(*, now: datetime | None = None) -> Iterator[Expired]:
    """The due cases nothing keeps: what a purge run removes."""
    for review in retention_review(now=now):
        if review.purge:
            yield Expired(review.case_id, review.number, review.closed_at, review.rule)


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
