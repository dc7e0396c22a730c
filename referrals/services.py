"""Filing a referral (orosanmälan) and deciding on it. Each service takes the acting user first,
runs in one transaction, checks the actor's role, and validates before it saves; django-auditlog
writes the create/update entry (field names, never values) in the same transaction."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases import crypto
from cases.errors import Conflict
from cases.models import PNR_INDEX_PURPOSE, TEAM_ROLES, Case, Track
from cases.permissions import require_role, require_social_services
from cases.personnummer import normalize_field
from cases.services import case_open
from referrals.models import (
    DECISIONS,
    NUMBER_PREFIX,
    Referral,
    ReferralKey,
    ReferralNumberSequence,
    ReferralStatus,
    key_owner_id,
)

MSG_REFERRAL_ROLES = _("Only school, police, leisure and social services staff may file a referral.")
MSG_REQUIRED = _("This field is required.")
MSG_DECISION = _("Choose open_case, no_action or handled_elsewhere.")
MSG_TRACK = _("Choose the track of the case to open: sspf or linkoping.")
MSG_ALREADY_DECIDED = _("The referral has already been decided.")

# Not validated by full_clean: foreign keys the service sets itself (each would cost a query).
_SET_BY_SERVICE = ["reporter", "reporter_agency", "decided_by", "case"]


def _next_number(year: int) -> int:
    """The next sequence number of ``year``, safe under concurrent filing: the row stays locked
    until the transaction ends (as for case numbers); the unique (year, sequence) constraint is
    the last line of defence."""
    ReferralNumberSequence.objects.get_or_create(year=year)
    sequence = ReferralNumberSequence.objects.select_for_update().get(year=year)
    sequence.last_value += 1
    sequence.save(update_fields=["last_value"])
    return sequence.last_value


def _blank(value: object) -> bool:
    return not isinstance(value, str) or not value.strip()


@transaction.atomic
def referral_file(*, actor: User, youth: Mapping[str, Any], concern: str, urgent: bool = False) -> Referral:
    """File a referral (school, police, leisure and social services staff; 403 for anyone else).

    ``youth`` holds ``personal_number`` (stored normalised, 12 digits), ``given_name`` and
    ``family_name``; every bad field is named in one ``ValidationError`` (``youth.personal_number``
    and so on), and no message repeats what was sent. The referral gets its own data key first:
    every personal field is encrypted under it. Audited by its create entry.
    """
    profile = require_role(actor, TEAM_ROLES, MSG_REFERRAL_ROLES)
    errors: dict[str, list[Any]] = {}
    pnr = ""
    try:
        pnr = normalize_field(str(youth.get("personal_number") or ""), "youth.personal_number")
    except ValidationError as exc:
        errors.update(exc.message_dict)
    for name in ("given_name", "family_name"):
        if _blank(youth.get(name)):
            errors[f"youth.{name}"] = [MSG_REQUIRED]
    if _blank(concern):
        errors["concern"] = [MSG_REQUIRED]
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    year = timezone.localdate(now).year
    sequence = _next_number(year)
    referral = Referral(
        number=f"{NUMBER_PREFIX}-{year}-{sequence:04d}",
        year=year,
        sequence=sequence,
        reporter=actor,
        reporter_agency=profile.agency,
        personal_number=pnr,
        personal_number_index=crypto.blind_index(pnr, purpose=PNR_INDEX_PURPOSE),
        given_name=youth["given_name"].strip(),
        family_name=youth["family_name"].strip(),
        concern=concern,
        urgent=bool(urgent),
        received_at=now,
    )
    key_id, data_key = crypto.new_key_id(), crypto.new_data_key()
    referral.__dict__["_new_data_key"] = (key_id, data_key)
    referral.full_clean(exclude=_SET_BY_SERVICE)
    referral.save()
    master_id, wrapped = crypto.wrap_data_key(data_key, case_id=key_owner_id(referral.pk), key_id=key_id)
    ReferralKey.objects.create(referral=referral, key_id=key_id, master_key_id=master_id, wrapped=wrapped)
    return referral


def _check_decision(*, decision: str, reason: str, track: str | None, district: str | None) -> None:
    errors: dict[str, list[Any]] = {}
    if decision not in DECISIONS:
        errors["decision"] = [MSG_DECISION]
    if _blank(reason):
        errors["reason"] = [MSG_REQUIRED]
    if decision == ReferralStatus.OPEN_CASE:
        if track not in Track.values:
            errors["track"] = [MSG_TRACK if track else MSG_REQUIRED]
        if _blank(district):
            errors["district"] = [MSG_REQUIRED]
    if errors:
        raise ValidationError(errors)


def _case_from(*, actor: User, referral: Referral, track: str, district: str) -> Case:
    """Open the case the referral asks for, about its youth. Only the decider joins the team: the
    reporter is not put on it (the reporter's agency sees the case only if social services add
    them and consent allows)."""
    try:
        return case_open(
            actor=actor,
            track=track,
            youth={
                "personal_number": referral.personal_number,
                "given_name": referral.given_name,
                "family_name": referral.family_name,
            },
            district=district,
        )
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise
        # The youth is the referral's; what the decider chose is the track (its age band) and the
        # district, so a complaint about the youth is one about the track.
        errors = {
            ("track" if field.startswith("youth.") else field): messages for field, messages in exc.message_dict.items()
        }
        raise ValidationError(errors) from None


@transaction.atomic
def referral_decide(
    *,
    actor: User,
    referral: Referral,
    decision: str,
    reason: str,
    track: str | None = None,
    district: str | None = None,
) -> Referral:
    """Decide a referral (social services only; 403 for anyone else): open a case (``track`` and
    ``district`` required), no action, or handled elsewhere, each with a reason.

    The referral row is locked first, so of two concurrent decisions one wins and the other is a
    409 ``already_decided``, as is any decision on a decided referral. ``open_case`` opens the case
    through ``cases.services.case_open`` (its own audit entries) and links it. Audited by the
    referral's update entry (the changed field names).
    """
    require_social_services(actor)
    _check_decision(decision=decision, reason=reason, track=track, district=district)
    locked = Referral.objects.select_for_update(of=("self",)).select_related("key").get(pk=referral.pk)
    if locked.status != ReferralStatus.RECEIVED:
        raise Conflict(MSG_ALREADY_DECIDED, code="already_decided")
    if decision == ReferralStatus.OPEN_CASE:
        locked.case = _case_from(actor=actor, referral=locked, track=str(track), district=str(district))
    locked.status = decision
    locked.decided_at = timezone.now()
    locked.decided_by = actor
    locked.decision_reason = reason
    locked.full_clean(exclude=_SET_BY_SERVICE)
    locked.save()
    return locked
