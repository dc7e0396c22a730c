"""Log checks (loggkontroll) as a workflow: start a review of a period, judge each sampled access
and every anomaly, sign it off. Reviews are kept; every step is audited (event ``review``)."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.models import AuditEntry, AuditEvent, LogReview, LogReviewItem, Verdict
from audit.services import record
from cases.errors import Conflict
from oversight import anomalies

MSG_PERIOD = _("The period must end after it starts, and not in the future.")
MSG_PERIOD_TOO_LONG = _("A log check covers at most {days} days: split the period.")
MSG_SIGNED = _("This review has been signed off and can no longer be changed.")
MSG_UNMARKED = _("Every item must be marked justified or not before the review is signed off.")
MSG_COMMENT_REQUIRED = _("Explain why the access was not justified.")


def _sample(*, since: datetime, until: datetime, size: int) -> list[AuditEntry]:
    """A uniform random sample of the period's accesses, without scanning the whole period:
    random ids between the period's first and last id (an index range), kept if they qualify."""
    # The period's first and last entry through the timestamp index (milliseconds at 10 million
    # entries; MIN/MAX(id) with a time filter walked the primary key for seconds).
    period = AuditEntry.objects.filter(timestamp__gte=since, timestamp__lt=until)
    first = period.order_by("timestamp", "id").values_list("id", flat=True).first()
    last = period.order_by("-timestamp", "-id").values_list("id", flat=True).first()
    if first is None or last is None or size == 0:
        return []
    low, high = min(first, last), max(first, last)
    span = high - low + 1
    accesses = AuditEntry.objects.filter(event=AuditEvent.ACCESS, timestamp__gte=since, timestamp__lt=until)
    if span <= 50_000:  # small enough to let the database shuffle the whole period
        return sorted(accesses.order_by("?")[:size], key=lambda e: e.pk)
    picked: dict[int, AuditEntry] = {}
    rng = secrets.SystemRandom()
    for _attempt in range(8):
        wanted = size - len(picked)
        if wanted <= 0:
            break
        ids = {rng.randrange(low, high + 1) for _ in range(min(span, wanted * 4))}
        for entry in accesses.filter(pk__in=ids - set(picked)):
            picked[entry.pk] = entry
    return sorted(picked.values(), key=lambda e: e.pk)[:size]


def period_check(*, since: datetime, until: datetime, field: str) -> None:
    """A period that ends after it starts and is no longer than ``AUDIT_REVIEW_MAX_DAYS``."""
    if until <= since:
        raise ValidationError({field: [MSG_PERIOD]})
    if until - since > timedelta(days=settings.AUDIT_REVIEW_MAX_DAYS):
        raise ValidationError({field: [MSG_PERIOD_TOO_LONG.format(days=settings.AUDIT_REVIEW_MAX_DAYS)]})


def _findings(*, since: datetime, until: datetime) -> tuple[list[dict[str, Any]], list[str]]:
    """The period's findings, at most AUDIT_REVIEW_FINDINGS_PER_KIND of each kind, and the kinds
    that held more. Thousands of one kind (a scripted run of denied requests) are one matter to
    look into on the anomalies page, not thousands of items to mark; the check stays answerable."""
    cap = settings.AUDIT_REVIEW_FINDINGS_PER_KIND
    taken: list[dict[str, Any]] = []
    count: dict[str, int] = {}
    for finding in anomalies.find(since=since, until=until, limit=cap + 1, replica=False):
        count[finding["kind"]] = count.get(finding["kind"], 0) + 1
        if count[finding["kind"]] <= cap:
            taken.append(finding)
    return taken, sorted(kind for kind, n in count.items() if n > cap)


@transaction.atomic
def review_start(*, actor: User, period_start: datetime, period_end: datetime, sample_size: int) -> LogReview:
    """Draw the sample and the anomalies of the period into a new review (auditors only: the API checks)."""
    if period_end > timezone.now():
        raise ValidationError({"period_end": [MSG_PERIOD]})
    period_check(since=period_start, until=period_end, field="period_end")
    findings, capped = _findings(since=period_start, until=period_end)
    review = LogReview.objects.create(
        period_start=period_start,
        period_end=period_end,
        sample_size=sample_size,
        started_by=actor,
        findings_capped=capped,
    )
    items = [
        LogReviewItem(
            review=review,
            entry=entry,
            entry_number=entry.pk,
            reason="sample",
            actor=entry.actor_username,
            case_number=entry.case_number,
        )
        for entry in _sample(since=period_start, until=period_end, size=sample_size)
    ]
    items += [
        LogReviewItem(
            review=review,
            entry_id=finding["entry"],
            entry_number=finding["entry"],
            reason=finding["kind"],
            detail=finding["detail"][:200],
            actor=finding["actor"],
            case_number=finding["case_number"],
        )
        for finding in findings
    ]
    owner = review.encryption_case()  # one unwrap of the key for all items, in this transaction
    for position, item in enumerate(items):
        item.position = position
        item.__dict__["_key_owner"] = owner
    # One INSERT per thousand items, not one per item: a night's anomalies run into thousands,
    # and the check must answer within seconds (issue 15; the fuzzer measured 13 s for 5,204).
    LogReviewItem.objects.bulk_create(items, batch_size=1000)
    record(event=AuditEvent.REVIEW, model=LogReview, object_pk=str(review.pk), extra={"step": "start"})
    return review


@transaction.atomic
def review_item_mark(*, actor: User, item: LogReviewItem, verdict: str, comment: str) -> LogReviewItem:
    review = LogReview.objects.select_for_update().get(pk=item.review_id)
    if review.signed_off_at is not None:
        raise Conflict(MSG_SIGNED, code="review_signed_off")
    if verdict == Verdict.UNJUSTIFIED and not comment.strip():
        raise ValidationError({"comment": [MSG_COMMENT_REQUIRED]})
    item.verdict = verdict
    item.comment = comment
    item.marked_by = actor
    item.marked_at = timezone.now()
    item.save()
    record(
        event=AuditEvent.REVIEW, model=LogReviewItem, object_pk=str(item.pk), extra={"step": "mark", "verdict": verdict}
    )
    return item


@transaction.atomic
def review_sign_off(*, actor: User, review: LogReview, conclusion: str) -> LogReview:
    locked = LogReview.objects.select_for_update().get(pk=review.pk)
    if locked.signed_off_at is not None:
        raise Conflict(MSG_SIGNED, code="review_signed_off")
    if locked.items.filter(verdict="").exists():
        raise Conflict(MSG_UNMARKED, code="review_incomplete")
    locked.signed_off_by = actor
    locked.signed_off_at = timezone.now()
    locked.conclusion = conclusion
    locked.save()
    record(event=AuditEvent.REVIEW, model=LogReview, object_pk=str(locked.pk), extra={"step": "sign_off"})
    return locked


def review_summary(review: LogReview) -> dict[str, Any]:
    items = list(review.items.all())
    return {
        "items": len(items),
        "unmarked": sum(1 for i in items if not i.verdict),
        "unjustified": sum(1 for i in items if i.verdict == Verdict.UNJUSTIFIED),
    }


def reviews_list(limit: int = 200) -> list[LogReview]:
    """The log checks, newest first, with their items (for each one's summary)."""
    return list(LogReview.objects.select_related("started_by", "signed_off_by").prefetch_related("items")[:limit])


def review_with_items(review_id: Any, *, entries: bool = False) -> LogReview:
    """One log check with its items (and the audit entries they point at when ``entries``: the
    web page says each in words); ``Http404`` for an unknown id. The reviews' key is unwrapped
    once for the whole answer, not once per item (thousands of items)."""
    related = ["items", "items__marked_by"] + (["items__entry"] if entries else [])
    try:
        review = (
            LogReview.objects.select_related("started_by", "signed_off_by").prefetch_related(*related).get(pk=review_id)
        )
    except (LogReview.DoesNotExist, ValueError, ValidationError):
        raise Http404 from None
    owner = review.encryption_case()
    for item in review.items.all():
        item.__dict__["_key_owner"] = owner
    return review
