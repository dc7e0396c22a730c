"""Opening, changing and closing a case. Each service takes the acting user first, runs in one
transaction and validates before it saves."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases import crypto, personnummer
from cases.errors import Conflict, PreconditionFailed, PreconditionRequired
from cases.models import (
    PNR_INDEX_PURPOSE,
    Case,
    CaseKey,
    CaseNumberSequence,
    CaseStatus,
    Custody,
    Track,
    Youth,
)
from cases.permissions import require_open, require_social_services, require_team_manager
from cases.personnummer import normalize_field as normalize_pnr
from cases.services.team import grant_membership, guardian_build

MSG_ALREADY_CLOSED = _("The case is already closed.")
MSG_AGE_TRACK = _("For this track the youth must be between {low} and {high} years old when the case is opened.")


def _check_age_for_track(*, pnr: str, track: str, on: date) -> None:
    if track == Track.LINKOPING:
        low, high = settings.LINKOPING_AGE_MIN, settings.LINKOPING_AGE_MAX
    else:
        low, high = settings.SSPF_AGE_MIN, settings.SSPF_AGE_MAX
    if not low <= personnummer.age_on(pnr, on) <= high:
        raise ValidationError({"youth.personal_number": [MSG_AGE_TRACK.format(low=low, high=high)]})


def _next_case_number(track: str, year: int) -> int:
    """Hand out the next sequence number for (track, year), safe under concurrent creation.

    The row is locked until the transaction ends, so two concurrent openings queue here rather
    than collide; the unique constraint on (track, year, sequence) is the last line of defence.
    """
    CaseNumberSequence.objects.get_or_create(track=track, year=year)
    sequence = CaseNumberSequence.objects.select_for_update().get(track=track, year=year)
    sequence.last_value += 1
    sequence.save(update_fields=["last_value"])
    return sequence.last_value


@transaction.atomic
def case_open(
    *,
    actor: User,
    track: str,
    youth: Mapping[str, Any],
    district: str,
    guardians: Iterable[Mapping[str, Any]] = (),
    summary: str = "",
    custody: str = Custody.UNKNOWN,
) -> Case:
    """Open a case (social services only). The opener owns it and joins its team.

    Creates the case's data key first: every personal field is encrypted under it.
    """
    profile = require_social_services(actor)
    now = timezone.now()
    pnr = normalize_pnr(youth["personal_number"], "youth.personal_number")
    _check_age_for_track(pnr=pnr, track=track, on=timezone.localdate(now))
    year = timezone.localdate(now).year
    sequence = _next_case_number(track, year)
    prefix = settings.CASE_NUMBER_PREFIXES[track]
    case = Case(
        track=track,
        year=year,
        sequence=sequence,
        number=f"{prefix}-{year}-{sequence:04d}",
        district=district,
        custody=custody,
        owning_agency=profile.agency,
        owner=actor,
        summary=summary,
        opened_at=now,
    )
    key_id, data_key = crypto.new_key_id(), crypto.new_data_key()
    case.__dict__["_new_data_key"] = (key_id, data_key)
    case.full_clean(exclude=["owning_agency", "owner"])
    case.save()
    master_id, wrapped = crypto.wrap_data_key(data_key, case_id=str(case.pk), key_id=key_id)
    CaseKey.objects.create(case=case, key_id=key_id, master_key_id=master_id, wrapped=wrapped)
    Youth.objects.create(
        case=case,
        personal_number=pnr,
        personal_number_index=crypto.blind_index(pnr, purpose=PNR_INDEX_PURPOSE),
        given_name=youth["given_name"],
        family_name=youth["family_name"],
        address=youth.get("address") or "",
        protected_identity=bool(youth.get("protected_identity")),
    )
    for position, data in enumerate(guardians):
        guardian_build(case=case, data=data, prefix=f"guardians.{position}.").save()
    grant_membership(case=case, user=actor, role=profile.role, added_by=actor)
    return case


def _lock_case(case: Case) -> Case:
    """Re-read the case row under a lock (so version checks and updates cannot interleave)."""
    locked = Case.objects.select_for_update(of=("self",)).select_related("key").get(pk=case.pk)
    locked.__dict__.pop("_cipher", None)
    return locked


@transaction.atomic
def case_update(*, actor: User, case: Case, expected_version: int | None, changes: Mapping[str, Any]) -> Case:
    """Change a case's district, summary or custody (social services on the team), guarded by its
    version.

    No ``expected_version`` raises ``PreconditionRequired``; a stale one ``PreconditionFailed``;
    both change nothing. A request that changes nothing leaves the version as it is.
    """
    require_social_services(actor)
    if expected_version is None:
        raise PreconditionRequired
    locked = _lock_case(case)
    if locked.version != expected_version:
        raise PreconditionFailed
    require_open(locked)
    changed = [
        name
        for name in ("district", "summary", "custody")
        if name in changes and getattr(locked, name) != changes[name]
    ]
    if not changed:
        return locked
    for name in changed:
        setattr(locked, name, changes[name])
    locked.version += 1
    locked.full_clean(exclude=["owning_agency", "owner"])
    locked.save()
    return locked


@transaction.atomic
def case_close(*, actor: User, case: Case, reason: str) -> Case:
    """Close a case (coordinator or owning social worker); closing twice is a conflict."""
    require_team_manager(actor, case)
    locked = _lock_case(case)
    if locked.status == CaseStatus.CLOSED:
        raise Conflict(MSG_ALREADY_CLOSED, code="already_closed")
    locked.status = CaseStatus.CLOSED
    locked.closed_at = timezone.now()
    locked.close_reason = reason
    locked.version += 1
    locked.full_clean(exclude=["owning_agency", "owner"])
    locked.save()
    return locked
