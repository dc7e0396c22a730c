"""Referrals (orosanmälan) as their reader may see them: the one place that decides.

- Social services see the intake queue and every referral with its content (the youth's personal
  number and names, the concern, the decision's reason); each referral shown leaves an ``access``
  audit entry naming it and the fields shown, in the caller's transaction.
- Anyone else who files referrals (school, police, leisure) sees only their own, and of them only
  the number, status and dates: never the content, never the case a referral led to.
- Everyone else (auditors, administrators, anyone without a staff role): 403 on the list, and 404
  on a referral, like any referral that is not theirs (existence is not revealed).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from audit.models import AuditEvent
from audit.services import record_each
from cases import personnummer
from cases.crypto import blind_index
from cases.models import PNR_INDEX_PURPOSE, SOCIAL_SERVICES_ROLES, TEAM_ROLES, StaffProfile
from cases.permissions import MSG_SOCIAL_SERVICES_ONLY, require_social_services, staff_profile
from content.paging import Page, PageRequest, page_of
from referrals.models import Referral, ReferralStatus
from referrals.selectors import referrals_about

MSG_REFERRALS_STAFF_ONLY = _("Only school, police, leisure and social services staff have referrals to list.")
MSG_STATUS = _("Choose received, open_case, no_action or handled_elsewhere.")

# What the reporter sees of their own referral: no content, no case.
STATUS_COLUMNS = ("id", "number", "status", "received_at", "decided_at")


def _profile(user: User) -> StaffProfile | None:
    """The user's profile if their role files or handles referrals; None for everyone else."""
    profile = staff_profile(user)
    return profile if profile is not None and profile.role in TEAM_ROLES else None


def _social_services(profile: StaffProfile) -> bool:
    return profile.role in SOCIAL_SERVICES_ROLES


def _queue() -> QuerySet[Referral]:
    """Every referral as social services read them: undecided first (urgent first, then oldest
    first), then the decided ones, most recently decided first."""
    return Referral.objects.select_related("key", "reporter", "reporter_agency", "decided_by", "case").order_by(
        F("decided_at").desc(nulls_first=True), "-urgent", "received_at", "id"
    )


def referral_status_shown(referral: Referral) -> dict[str, Any]:
    """A referral as its reporter sees it (and as a new filing is answered)."""
    return {name: getattr(referral, name) for name in STATUS_COLUMNS}


def _fields_shown(referral: Referral) -> list[str]:
    return ["concern", "youth"] + (["reason"] if referral.decided_at is not None else [])


def referral_shown(referral: Referral) -> dict[str, Any]:
    """A referral as social services see it: its content decrypted (key, reporter, agency, decider
    and case loaded with it)."""
    decided = referral.decided_at is not None
    return {
        **referral_status_shown(referral),
        "urgent": referral.urgent,
        "source": referral.reporter_agency.kind,
        "agency": referral.reporter_agency.name,
        "reporter": referral.reporter.username,
        "youth": {
            "personal_number": referral.personal_number,
            "given_name": referral.given_name,
            "family_name": referral.family_name,
        },
        "concern": referral.concern,
        "reason": referral.decision_reason if decided else None,
        "decided_by": referral.decided_by.username if referral.decided_by is not None else None,
        "case": referral.case_id,
    }


def _record(*, reader: User, view: str, referrals: list[Referral], fields: list[str] | None = None) -> None:
    """One ``access`` entry per referral shown to ``reader``, naming the referral and what of it
    was shown (never a value), in one insert; a referral that led to a case names the case too,
    so the case's log and subject report include it."""
    record_each(
        {
            "event": AuditEvent.ACCESS,
            "model": Referral,
            "object_pk": str(referral.pk),
            "case_ref": referral.case_id,
            "case_number": referral.case.number if referral.case is not None else "",
            "fields": _fields_shown(referral) if fields is None else fields,
            "actor": reader,
            "extra": {"view": view},
        }
        for referral in referrals
    )


def referral_page(*, reader: User, filters: Mapping[str, Any], page: PageRequest) -> Page[dict[str, Any]]:
    """Social services: a page of the intake queue with the content, every referral shown
    recorded (``status`` narrows it; a bad value is a ``ValidationError`` naming it). School,
    police and leisure staff: their own referrals, newest first, status and dates only. Anyone
    else: ``PermissionDenied``. The queries do not grow with the page."""
    profile = _profile(reader)
    if profile is None:
        raise PermissionDenied(MSG_REFERRALS_STAFF_ONLY)
    status = filters.get("status") or None
    if status is not None and status not in ReferralStatus.values:
        raise ValidationError({"status": [MSG_STATUS]})
    if not _social_services(profile):
        own = Referral.objects.filter(reporter=reader).only(*STATUS_COLUMNS).order_by("-received_at", "-id")
        own = own.filter(status=status) if status else own
        rows, count, number, num_pages = page_of(own, page)
        items = [referral_status_shown(referral) for referral in rows]
        return Page(items=items, count=count, number=number, num_pages=num_pages)
    queue = _queue().filter(status=status) if status else _queue()
    rows, count, number, num_pages = page_of(queue, page)
    items = [referral_shown(referral) for referral in rows]
    _record(reader=reader, view="referral-list", referrals=list(rows))
    return Page(items=items, count=count, number=number, num_pages=num_pages)


def _one(queryset: QuerySet[Referral], referral_id: UUID | str) -> Referral:
    try:
        return queryset.get(pk=referral_id)
    except (Referral.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404 from None


def referral_detail(*, reader: User, referral_id: UUID | str, view: str = "referral-detail") -> dict[str, Any]:
    """One referral: social services see its content (recorded); its reporter sees its number,
    status and dates; anyone else gets ``Http404`` (as for an id that does not exist)."""
    profile = _profile(reader)
    if profile is None:
        raise Http404
    if not _social_services(profile):
        own = Referral.objects.filter(reporter=reader).only(*STATUS_COLUMNS)
        return referral_status_shown(_one(own, referral_id))
    referral = _one(_queue(), referral_id)
    body = referral_shown(referral)
    _record(reader=reader, view=view, referrals=[referral])
    return body


def referral_for_decision(*, user: User, referral_id: UUID | str) -> Referral:
    """The referral social services are about to decide. ``Http404`` for anyone who may not see
    it (and for unknown ids); its reporter, who knows it exists, gets ``PermissionDenied``."""
    profile = _profile(user)
    if profile is None:
        raise Http404
    if _social_services(profile):
        return _one(Referral.objects.select_related("key"), referral_id)
    _one(Referral.objects.filter(reporter=user).only("id"), referral_id)
    raise PermissionDenied(MSG_SOCIAL_SERVICES_ONLY)


def referral_ids_by_personal_number(*, user: User, personal_number: str) -> list[UUID]:
    """Ids of the referrals about this person, oldest first (social services only: 403 for
    everyone else; a malformed number is a ``ValidationError`` naming ``personal_number`` that
    does not repeat it). Exact: each candidate in the blind-index bucket is decrypted and
    compared. Each referral found is recorded as found by lookup (``fields``: ``id``)."""
    require_social_services(user)
    normalized = personnummer.normalize_field(personal_number, "personal_number")
    found = referrals_about(index=blind_index(normalized, purpose=PNR_INDEX_PURPOSE), personal_number=normalized)
    _record(reader=user, view="youth-lookup", referrals=found, fields=["id"])
    return [referral.pk for referral in found]


def intake_count(*, reader: User) -> int | None:
    """How many referrals wait for a decision, for social services' start page (a count: no
    content shown, nothing recorded); None for everyone else."""
    profile = _profile(reader)
    if profile is None or not _social_services(profile):
        return None
    return Referral.objects.filter(decided_at__isnull=True).count()
