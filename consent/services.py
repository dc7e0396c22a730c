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
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.services import require_emergency_allowed
from audit.models import AuditEvent
from audit.services import record
from cases.errors import Conflict, ConsentRequired
from cases.models import Agency, AgencyKind, Case, CaseMember, Guardian, PoliceLink, Role, StaffProfile
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
MSG_UNKNOWN_AGENCY = _("An unknown kind of agency: choose among school, police and leisure.")
MSG_EMPTY = _("Choose at least one.")
MSG_GUARDIAN_REQUIRED = _("Name the guardian who gives the consent.")
MSG_GUARDIAN_NOT_ON_CASE = _("This guardian is not registered on the case.")
MSG_GUARDIAN_FOR_YOUTH = _("A consent given by the youth names no guardian.")
MSG_GUARDIAN_NOT_CUSTODIAN = _(
    "This guardian is not a custodian: only a custodian consents for a child. Register the custodians."
)
MSG_KIND_NOT_ON_TEAM = _("No {kind} agency is on the team: add its member first, or name the agency in parties.")
MSG_UNKNOWN_PARTY = _("There is no agency with this id.")
MSG_OTHER_SOCIAL_SERVICES_PARTY = _(
    "Another authority's social services cannot be a party: name school, police or leisure agencies."
)
MSG_NO_PARTY = _("Name at least one agency besides social services, in agencies or in parties.")
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
    # One message per unknown value, never the value itself (errors repeat nothing sent).
    errors = [str(message) for v in values if v not in allowed]
    if not values:
        errors.append(str(MSG_EMPTY))
    if errors:
        raise ValidationError({field: errors})
    return sorted(set(values))


def _resolve_parties(
    *, case: Case, agencies: Iterable[str], parties: Iterable[UUID], errors: dict[str, list[Any]]
) -> set[UUID]:
    """The named parties of a new consent: agencies given by id, and the agency kinds of a v1
    client resolved to the agencies of those kinds on the team now (a kind with none is an error
    naming ``agencies``). The case's own social services are always a party."""
    resolved: set[UUID] = set()
    kinds = list(agencies)
    if kinds:
        try:
            _check_choices(kinds, CONSENT_AGENCIES, MSG_UNKNOWN_AGENCY, "agencies")
        except ValidationError as exc:
            errors.update(exc.message_dict)
        else:
            team = dict(
                CaseMember.objects.filter(case=case).values_list(
                    "user__staff_profile__agency_id", "user__staff_profile__agency__kind"
                )
            )
            for kind in sorted(set(kinds)):
                found = {agency_id for agency_id, agency_kind in team.items() if agency_kind == kind}
                if not found:
                    errors.setdefault("agencies", []).append(
                        MSG_KIND_NOT_ON_TEAM.format(kind=AgencyKind(kind).label.lower())
                    )
                resolved |= found
    ids = list(dict.fromkeys(parties))
    if ids:
        known = dict(Agency.objects.filter(pk__in=ids).values_list("pk", "kind"))
        if len(known) != len(ids):
            errors.setdefault("parties", []).append(MSG_UNKNOWN_PARTY)
        # Another authority's social services never take part in a case's sharing: the case is
        # held by one social services, and a neighbour is asked by a disclosure, not a consent.
        if any(pk != case.owning_agency_id and kind == AgencyKind.SOCIAL_SERVICES for pk, kind in known.items()):
            errors.setdefault("parties", []).append(MSG_OTHER_SOCIAL_SERVICES_PARTY)
        resolved |= set(known)
    resolved.discard(case.owning_agency_id)
    if not resolved and "agencies" not in errors and "parties" not in errors:
        errors["agencies" if not ids else "parties"] = [MSG_NO_PARTY]
    return resolved | {case.owning_agency_id}


@transaction.atomic
def consent_record(
    *,
    actor: User,
    case: Case,
    giver: str,
    categories: Iterable[str],
    valid_from: datetime,
    valid_until: datetime,
    method: str,
    agencies: Iterable[str] = (),
    parties: Iterable[UUID] = (),
    guardian: UUID | None = None,
    document_reference: str = "",
) -> Consent:
    """Record one giver's consent to named parties (social services on the team). Every invalid
    field is named."""
    require_social_services(actor)
    require_open(case)
    errors: dict[str, list[Any]] = {}
    party_ids = _resolve_parties(case=case, agencies=agencies, parties=parties, errors=errors)
    try:
        _check_choices(categories, CATEGORIES, MSG_UNKNOWN_CATEGORY, "categories")
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
            elif not guardian_row.custodian:
                errors["guardian"] = [MSG_GUARDIAN_NOT_CUSTODIAN]
    elif guardian is not None:
        errors["guardian"] = [MSG_GUARDIAN_FOR_YOUTH]
    if errors:
        raise ValidationError(errors)
    consent = Consent(
        case=case,
        giver=giver,
        guardian=guardian_row,
        categories=sorted(set(categories)),
        valid_from=valid_from,
        valid_until=valid_until,
        method=method,
        document_reference=document_reference,
        recorded_by=actor,
    )
    consent.full_clean(exclude=["case", "guardian", "recorded_by"])
    consent.save()
    consent.parties.set(Agency.objects.filter(pk__in=party_ids))
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
    if profile.agency_id != case.owning_agency_id:
        # Another authority's social services: as if the case did not exist (no way to probe).
        raise Http404
    if CaseMember.objects.filter(case=case, user=actor).exists():
        raise Conflict(MSG_EMERGENCY_ON_TEAM, code="already_member")
    # A new account needs a coordinator's approval first (docs/decisions/0014).
    require_emergency_allowed(user=actor)
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
    profile = require_role(actor, {Role.POLICE}, MSG_POLICE_ONLY)
    require_open(case)
    # A police role always has an agency (staff_team_role_has_agency).
    if profile.agency_id is None or not agency_shares(case=case, agency_id=profile.agency_id):
        raise ConsentRequired
    link = PoliceLink(case=case, reference=reference, linked_by=actor, agency_id=profile.agency_id)
    link.full_clean(exclude=["case", "linked_by", "agency"])
    link.save()
    return link
