"""Writes for consent, emergency access and police links. Each takes the acting user first and
runs in one transaction; consents are only ever added, never changed."""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.models import AuditEvent
from audit.services import record
from cases.errors import Conflict, ConsentRequired
from cases.models import Case, CaseMember, Guardian, PoliceLink, Role, StaffProfile
from cases.permissions import (
    require_open,
    require_role,
    require_social_services,
)
from consent.models import CONSENT_AGENCIES, Consent, ConsentWithdrawal, EmergencyAccess, Giver
from consent.policy import CATEGORIES, MSG_UNKNOWN_CATEGORY, agency_shares

MSG_UNTIL_PAST = _("The consent must be valid until a time in the future.")
MSG_UNTIL_BEFORE_FROM = _("The end of the consent must come after its start.")
MSG_TOO_LONG = _("A consent may be valid for at most {months} months.")
MSG_UNKNOWN_AGENCY = _("Unknown agency: {value}. Choose among school, police and leisure.")
MSG_EMPTY = _("Choose at least one.")
MSG_GUARDIAN_REQUIRED = _("Name the guardian who gives the consent.")
MSG_GUARDIAN_NOT_ON_CASE = _("This guardian is not registered on the case.")
MSG_GUARDIAN_FOR_YOUTH = _("A consent given by the youth names no guardian.")
MSG_ALREADY_WITHDRAWN = _("This consent has already been withdrawn.")
MSG_EMERGENCY_ON_TEAM = _("You are on the team already; emergency access is for cases you are not on.")
MSG_EMERGENCY_RUNNING = _("Your emergency access to this case is still running.")
MSG_POLICE_ONLY = _("Only police officers may link a police case.")


def _months_after(start: datetime, months: int) -> datetime:
    """The same day and time ``months`` later (the last day of the month if that day is missing)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return start.replace(year=year, month=month, day=min(start.day, calendar.monthrange(year, month)[1]))


def _check_choices(values: Iterable[str], allowed: Iterable[str], message: Any, field: str) -> list[str]:
    values = list(values)
    errors = [message.format(value=v) for v in values if v not in allowed]
    if not values:
        errors.append(MSG_EMPTY)
    if errors:
        raise ValidationError({field: errors})
    return sorted(set(values))


@transaction.atomic
def consent_record(
    *,
    actor: User,
    case: Case,
    giver: str,
    agencies: Iterable[str],
    categories: Iterable[str],
    valid_from: datetime,
    valid_until: datetime,
    method: str,
    guardian: UUID | None = None,
    document_reference: str = "",
) -> Consent:
    """Record one giver's consent (social services on the team). Every invalid field is named."""
    require_social_services(actor)
    require_open(case)
    errors: dict[str, list[Any]] = {}
    for field, values, allowed, message in (
        ("agencies", agencies, CONSENT_AGENCIES, MSG_UNKNOWN_AGENCY),
        ("categories", categories, CATEGORIES, MSG_UNKNOWN_CATEGORY),
    ):
        try:
            _check_choices(values, allowed, message, field)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    now = timezone.now()
    if valid_until <= now:
        errors.setdefault("valid_until", []).append(MSG_UNTIL_PAST)
    if valid_until <= valid_from:
        errors.setdefault("valid_until", []).append(MSG_UNTIL_BEFORE_FROM)
    elif valid_until > _months_after(valid_from, settings.CONSENT_MAX_MONTHS):
        errors.setdefault("valid_until", []).append(MSG_TOO_LONG.format(months=settings.CONSENT_MAX_MONTHS))
    guardian_row = None
    if giver == Giver.GUARDIAN:
        if guardian is None:
            errors["guardian"] = [MSG_GUARDIAN_REQUIRED]
        else:
            guardian_row = Guardian.objects.filter(pk=guardian, case=case).first()
            if guardian_row is None:
                errors["guardian"] = [MSG_GUARDIAN_NOT_ON_CASE]
    elif guardian is not None:
        errors["guardian"] = [MSG_GUARDIAN_FOR_YOUTH]
    if errors:
        raise ValidationError(errors)
    consent = Consent(
        case=case,
        giver=giver,
        guardian=guardian_row,
        agencies=sorted(set(agencies)),
        categories=sorted(set(categories)),
        valid_from=valid_from,
        valid_until=valid_until,
        method=method,
        document_reference=document_reference,
        recorded_by=actor,
    )
    consent.full_clean(exclude=["case", "guardian", "recorded_by", "verified_by"])
    consent.save()
    return consent


@transaction.atomic
def consent_withdraw(*, actor: User, consent: Consent, reason: str) -> ConsentWithdrawal:
    """Record that the giver withdrew the consent (social services on the team). Effective on the
    very next request: the policy reads it. Withdrawing twice is a conflict."""
    require_social_services(actor)
    locked = Consent.objects.select_for_update().get(pk=consent.pk)
    if ConsentWithdrawal.objects.filter(consent=locked).exists():
        raise Conflict(MSG_ALREADY_WITHDRAWN, code="already_withdrawn")
    withdrawal = ConsentWithdrawal(consent=consent, withdrawn_at=timezone.now(), reason=reason, recorded_by=actor)
    withdrawal.full_clean(exclude=["consent", "recorded_by"])
    withdrawal.save()
    return withdrawal


@transaction.atomic
def emergency_access_open(*, actor: User, case: Case, reason: str) -> EmergencyAccess:
    """Open a case one is not on (social services only), for EMERGENCY_ACCESS_MINUTES, with a
    written reason. Recorded for log review; nobody else has emergency access."""
    profile = require_social_services(actor)
    if CaseMember.objects.filter(case=case, user=actor).exists():
        raise Conflict(MSG_EMERGENCY_ON_TEAM, code="already_member")
    now = timezone.now()
    if EmergencyAccess.objects.filter(case=case, user=actor, expires_at__gt=now).exists():
        raise Conflict(MSG_EMERGENCY_RUNNING, code="emergency_access_running")
    access = EmergencyAccess(
        case=case,
        user=actor,
        reason=reason,
        started_at=now,
        expires_at=now + timedelta(minutes=settings.EMERGENCY_ACCESS_MINUTES),
    )
    access.full_clean(exclude=["case", "user"])
    access.save()
    # The selector's hint (cases.models.StaffProfile.emergency_until): raised under a row lock, so
    # two openings at once cannot leave it lower than either one's end.
    locked = StaffProfile.objects.select_for_update().get(pk=profile.pk)
    if locked.emergency_until is None or locked.emergency_until < access.expires_at:
        locked.emergency_until = access.expires_at
        locked.save(update_fields=["emergency_until"])
    profile.emergency_until = locked.emergency_until  # the request's own copy, read by the selector
    record(
        event=AuditEvent.EMERGENCY,
        model=Case,
        object_pk=str(case.pk),
        case=case,
        extra={"expires_at": access.expires_at.isoformat()},
    )
    return access


@transaction.atomic
def police_link_add(*, actor: User, case: Case, reference: str) -> PoliceLink:
    """Link a police case reference (police on the team, only while consent shares with the police)."""
    require_role(actor, {Role.POLICE}, MSG_POLICE_ONLY)
    require_open(case)
    if not agency_shares(case=case, agency="police"):
        raise ConsentRequired
    link = PoliceLink(case=case, reference=reference, linked_by=actor)
    link.full_clean(exclude=["case", "linked_by"])
    link.save()
    return link
