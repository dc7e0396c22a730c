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
from typing import Any
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
from referrals.keys import referral_key_shred
from referrals.models import Referral
from referrals.selectors import referrals_about


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


def _latest(queryset: QuerySet[Any], field: str) -> Subquery:
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


def _referral_due(referral: Referral, now: datetime) -> bool:
    """A referral that opened no case, decided more than REFERRAL_RETENTION_YEARS ago."""
    cut_off = _years_before(settings.REFERRAL_RETENTION_YEARS, now)
    return referral.case_id is None and referral.decided_at is not None and referral.decided_at < cut_off


def _same_person_kept(case: Case, due_ids: set[UUID], now: datetime) -> str:
    """The number of another record about the same person that is kept (not due), or "": a case,
    or a referral that opened no case (one that opened a case goes with that case)."""
    person = case.youth.personal_number
    for referral in referrals_about(index=case.youth.personal_number_index, personal_number=person):
        if referral.case_id is None and not _referral_due(referral, now):
            return referral.number
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
        last_entry = case.last_entry  # type: ignore[attr-defined]  # the annotation of with_last_entry
        base = {"case_id": case.pk, "number": case.number, "closed_at": case.closed_at, "last_entry": last_entry}
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
        other = _same_person_kept(case, due_ids, now)
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
    for referral in Referral.objects.filter(case=case):  # the referral that opened it goes with it
        referral_key_shred(referral=referral)
    # The rows go without per-row audit entries: the purge entry above is the trace, and a
    # deleted row's diff would need the key that was just destroyed. Consents first: they
    # protect the guardians they name from being deleted on their own.
    with disable_auditlog():
        Consent.objects.filter(case=case).delete()
        Referral.objects.filter(case=case).delete()
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


def referral_review(*, now: datetime | None = None) -> Iterator[tuple[Referral, str]]:
    """Referrals that opened no case and whose retention has run out, each with "" (it goes) or
    what keeps it (another record about the same person that is kept)."""
    now = now or timezone.now()
    cut_off = _years_before(settings.REFERRAL_RETENTION_YEARS, now)
    due = (
        Referral.objects.filter(case__isnull=True, decided_at__lt=cut_off).select_related("key").order_by("decided_at")
    )
    for referral in due.iterator(chunk_size=500):
        kept = ""
        person, index = referral.personal_number, referral.personal_number_index
        for other in Case.objects.filter(youth__personal_number_index=index).select_related("key", "youth"):
            if other.youth.personal_number != person:
                continue
            years = settings.CASE_RETENTION_YEARS[other.track]
            if other.closed_at is None or other.closed_at > _years_before(years, now):
                kept = other.number  # open, or closed and still within its period
                break
        if not kept:
            for other_referral in referrals_about(index=index, personal_number=person):
                if other_referral.pk != referral.pk and not _referral_due(other_referral, now):
                    kept = other_referral.number
                    break
        yield referral, kept


@transaction.atomic
def referral_purge(*, referral_id: UUID, rule: str) -> bool:
    """Audit, shred and delete one referral that opened no case. False if it is already gone."""
    referral = Referral.objects.select_for_update().filter(pk=referral_id, case__isnull=True).first()
    if referral is None:
        return False
    record(
        event=AuditEvent.PURGE,
        model=Referral,
        object_pk=str(referral.pk),
        actor_username=f"system:{getpass.getuser()}",
        extra={"rule": rule, "number": referral.number},
    )
    referral_key_shred(referral=referral)
    with disable_auditlog():
        referral.delete()
    return True


def purge_expired_referrals(*, now: datetime | None = None) -> int:
    rule = f"referral: {settings.REFERRAL_RETENTION_YEARS} years after the decision"
    due = [referral.pk for referral, kept in referral_review(now=now) if not kept]
    return sum(referral_purge(referral_id=pk, rule=rule) for pk in due)
