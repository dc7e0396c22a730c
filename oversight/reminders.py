"""Reminders (API.md, "Reminders"): what each user has to do soon, computed from the records at
every request. There is no reminder table to keep in sync: a consent renewed, an action item
marked done, a referral decided, a closure approved, and the reminder is gone on the next call.

Each reminder is ``{"kind", "due_at", "case"?, "referral"?, "consent"?}``: ids and a date, never
a name or a personal number (the client fetches the case to show it, through the same rules as
everything else). Who gets which kind:

- ``consent_expiring``, social services on the team: an unwithdrawn consent ends within
  REMINDER_DAYS;
- ``giver_changes``, social services on the team: the youth turns CONSENT_YOUTH_AGE or
  CONSENT_ADULT_AGE within REMINDER_DAYS (whose consent counts changes);
- ``aged_out``, coordinators on the team: the youth is CONSENT_ADULT_AGE or past the track's
  upper age on an open case;
- ``action_overdue``, the item's responsible member: an open action item is past its due date;
- ``visit_follow_up``, the visit's participants: its follow-up date is within a week or past, and
  nothing (a later visit, a meeting) has been recorded on the case since the visit;
- ``closure_to_approve``, coordinators on the team other than the requester: a closure request
  is pending;
- ``referral_waiting``, social services staff: a referral is undecided (due at once when urgent,
  else REFERRAL_DECISION_DAYS after it was received);
- ``log_check_due``, auditors: no log check signed off for LOG_CHECK_INTERVAL_DAYS.

Only open cases the user is on the team of (not by emergency access) are looked at.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import Max
from django.utils import timezone

from audit.models import LogReview
from cases import personnummer
from cases.models import (
    SOCIAL_SERVICES_ROLES,
    ActionItem,
    CaseMember,
    CaseStatus,
    HomeVisit,
    Role,
    Track,
)
from cases.models.closure import ClosureRequest, ClosureRequestStatus
from cases.permissions import staff_profile
from consent.models import Consent
from content.access import case_queryset_for_user
from referrals.models import Referral, ReferralStatus

KINDS = (
    "consent_expiring",
    "giver_changes",
    "aged_out",
    "action_overdue",
    "visit_follow_up",
    "closure_to_approve",
    "referral_waiting",
    "log_check_due",
)


def _at_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _birthday(born: date, years: int) -> date:
    try:
        return born.replace(year=born.year + years)
    except ValueError:  # 29 February
        return date(born.year + years, 3, 1)


def _upper_age(track: str) -> int:
    return settings.LINKOPING_AGE_MAX if track == Track.LINKOPING else settings.SSPF_AGE_MAX


def _case_reminders(user: User, role: str, now: datetime) -> list[dict[str, Any]]:
    """The reminders about the open cases ``user`` is on the team of."""
    today = timezone.localdate(now)
    horizon = now + timedelta(days=settings.REMINDER_DAYS)
    team = case_queryset_for_user(user, emergency=False).filter(status=CaseStatus.OPEN)
    found: list[dict[str, Any]] = []
    social = role in SOCIAL_SERVICES_ROLES
    coordinator = role == Role.COORDINATOR
    if social or coordinator:
        cases = list(team.select_related("key", "youth").only("id", "track", "key", "youth"))
        for case in cases:
            born = personnummer.birth_date(case.youth.personal_number)
            if social:
                for age in (settings.CONSENT_YOUTH_AGE, settings.CONSENT_ADULT_AGE):
                    day = _birthday(born, age)
                    if today < day <= timezone.localdate(horizon):
                        found.append({"kind": "giver_changes", "due_at": _at_start(day), "case": case.pk})
            if coordinator:
                out = min(_birthday(born, settings.CONSENT_ADULT_AGE), _birthday(born, _upper_age(case.track) + 1))
                if out <= today:
                    found.append({"kind": "aged_out", "due_at": _at_start(out), "case": case.pk})
    if social:
        expiring = Consent.objects.filter(
            case__in=team, withdrawal__isnull=True, valid_until__gt=now, valid_until__lte=horizon
        ).values_list("pk", "case_id", "valid_until")
        found += [
            {"kind": "consent_expiring", "due_at": until, "case": case_id, "consent": pk}
            for pk, case_id, until in expiring
        ]
    overdue = ActionItem.objects.filter(
        responsible_user=user, done_at__isnull=True, due_at__lt=today, case__in=team
    ).values_list("case_id", "due_at")
    found += [
        {"kind": "action_overdue", "due_at": _at_start(due), "case": case_id}
        for case_id, due in overdue
        if due is not None  # the filter leaves none out; the column is nullable
    ]
    found += _follow_ups(user, team, today)
    if coordinator:
        mine = CaseMember.objects.filter(user=user, role=Role.COORDINATOR).values("case_id")
        pending = (
            ClosureRequest.objects.filter(status=ClosureRequestStatus.PENDING, case__in=team, case_id__in=mine)
            .exclude(requested_by=user)
            .values_list("case_id", "requested_at")
        )
        found += [{"kind": "closure_to_approve", "due_at": at, "case": case_id} for case_id, at in pending]
    return found


def _follow_ups(user: User, team: Any, today: date) -> list[dict[str, Any]]:
    """A visit the user took part in whose follow-up is within a week or past, on a case where
    nothing (a later visit, a meeting) has been recorded since the visit."""
    visits = (
        HomeVisit.objects.filter(
            participants=user,
            case__in=team,
            follow_up_at__isnull=False,
            follow_up_at__lte=today + timedelta(days=7),
        )
        .annotate(last_visit=Max("case__visits__occurred_at"), last_meeting=Max("case__meetings__held_at"))
        .values_list("case_id", "follow_up_at", "occurred_at", "last_visit", "last_meeting")
    )
    found = []
    for case_id, follow_up, occurred, last_visit, last_meeting in visits:
        since = [at for at in (last_visit, last_meeting) if at is not None and at > occurred]
        if not since and follow_up is not None:
            found.append({"kind": "visit_follow_up", "due_at": _at_start(follow_up), "case": case_id})
    return found


def _referrals_waiting(now: datetime) -> list[dict[str, Any]]:
    waiting = Referral.objects.filter(status=ReferralStatus.RECEIVED).values_list("pk", "received_at", "urgent")
    wait = timedelta(days=settings.REFERRAL_DECISION_DAYS)
    return [
        {"kind": "referral_waiting", "due_at": received if urgent else received + wait, "referral": pk}
        for pk, received, urgent in waiting
    ]


def _log_check_due(now: datetime) -> list[dict[str, Any]]:
    last = LogReview.objects.filter(signed_off_at__isnull=False).aggregate(last=Max("signed_off_at"))["last"]
    due = (last + timedelta(days=settings.LOG_CHECK_INTERVAL_DAYS)) if last is not None else now
    if due > now + timedelta(days=settings.REMINDER_DAYS):
        return []
    return [{"kind": "log_check_due", "due_at": due}]


def reminders_for(*, user: User, now: datetime | None = None) -> list[dict[str, Any]]:
    """The user's open reminders, soonest first. A bounded number of queries: the team's open
    cases (once per kind that needs them), their consents, items, visits, closure requests; the
    waiting referrals for social services; the last log check for auditors."""
    now = now or timezone.now()
    profile = staff_profile(user)
    if profile is None or not user.is_active:
        return []
    found: list[dict[str, Any]] = []
    if profile.role == Role.AUDITOR:
        found += _log_check_due(now)
    elif profile.role != Role.ADMIN:
        found += _case_reminders(user, profile.role, now)
        if profile.role in SOCIAL_SERVICES_ROLES:
            found += _referrals_waiting(now)
    return sorted(found, key=lambda r: (r["due_at"], r["kind"], str(r.get("case") or r.get("referral") or "")))
