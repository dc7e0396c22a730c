"""Opening, changing and closing a case (closure requests and their approval included; reopening
is in ``oversight.reopen``, beside the retention clock it depends on). Each service takes the
acting user first, runs in one transaction and validates before it saves."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
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
    CaseOutcome,
    CaseStatus,
    ClosureRequest,
    ClosureRequestStatus,
    Custody,
    Role,
    Track,
    Youth,
)
from cases.permissions import (
    require_coordinator_member,
    require_open,
    require_social_services,
    require_team_manager,
)
from cases.personnummer import normalize_field as normalize_pnr
from cases.services.team import grant_membership, guardian_build

MSG_ALREADY_CLOSED = _("The case is already closed.")
MSG_CLOSURE_PENDING = _("A request to close this case is already waiting for a coordinator's decision.")
MSG_NO_CLOSURE_REQUEST = _("No request to close this case is waiting for a decision.")
MSG_CLOSURE_COORDINATORS = _("Only an SSPF coordinator on the team may decide on closing a case or reopen it.")
MSG_OWN_CLOSURE_REQUEST = _("A closure request is decided by a coordinator other than the one who made it.")
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


def _close(case: Case, *, reason: str, outcome: str, at: datetime) -> Case:
    """Close the locked ``case`` now (the caller has checked who and when)."""
    case.status = CaseStatus.CLOSED
    case.closed_at = at
    case.close_reason = reason
    case.outcome = outcome
    case.version += 1
    case.full_clean(exclude=["owning_agency", "owner"])
    case.save()
    return case


def _pending_request(case: Case) -> ClosureRequest | None:
    return ClosureRequest.objects.select_for_update().filter(case=case, status=ClosureRequestStatus.PENDING).first()


@transaction.atomic
def case_close(*, actor: User, case: Case, reason: str, outcome: str = CaseOutcome.OTHER) -> Case:
    """Close a case, or ask a coordinator to (a coordinator on the team or the owning social
    worker: ``require_team_manager``).

    A coordinator closes at once; so does everyone allowed when ``CASE_CLOSURE_NEEDS_APPROVAL`` is
    off. Anyone else's call leaves a pending ``ClosureRequest`` and returns the case still open
    (the API answers 202). Closing a closed case (``already_closed``) or asking while a request is
    pending (``closure_pending``) is a conflict. Audited by the case's update entry or the
    request's create entry (field names only: the reason is encrypted)."""
    profile = require_team_manager(actor, case)
    locked = _lock_case(case)
    if locked.status == CaseStatus.CLOSED:
        raise Conflict(MSG_ALREADY_CLOSED, code="already_closed")
    if _pending_request(locked) is not None:
        raise Conflict(MSG_CLOSURE_PENDING, code="closure_pending")
    if profile.role == Role.COORDINATOR or not settings.CASE_CLOSURE_NEEDS_APPROVAL:
        return _close(locked, reason=reason, outcome=outcome, at=timezone.now())
    request = ClosureRequest(case=locked, outcome=outcome, reason=reason, requested_by=actor)
    # The one-pending constraint is checked above, under the case's lock.
    request.full_clean(exclude=["case", "requested_by", "decided_by"], validate_constraints=False)
    request.save()
    return locked


def _decide(*, actor: User, case: Case) -> tuple[Case, ClosureRequest]:
    """The locked case and its pending request, for a coordinator on the team other than the
    requester (403 otherwise; 409 when nothing is pending)."""
    require_coordinator_member(actor, case, MSG_CLOSURE_COORDINATORS)
    locked = _lock_case(case)
    pending = _pending_request(locked)
    if pending is None:
        raise Conflict(MSG_NO_CLOSURE_REQUEST, code="no_closure_request")
    # Four eyes: whoever asked (later made a coordinator, say) does not decide.
    if pending.requested_by_id == actor.pk:
        raise PermissionDenied(MSG_OWN_CLOSURE_REQUEST)
    return locked, pending


@transaction.atomic
def case_closure_approve(*, actor: User, case: Case) -> Case:
    """Approve the pending closure request (a coordinator on the team, not the requester): the
    case closes with the request's outcome and reason. Audited by the request's and the case's
    update entries."""
    locked, pending = _decide(actor=actor, case=case)
    now = timezone.now()
    pending.status = ClosureRequestStatus.APPROVED
    pending.decided_by = actor
    pending.decided_at = now
    pending.save()
    return _close(locked, reason=pending.reason, outcome=pending.outcome, at=now)


@transaction.atomic
def case_closure_reject(*, actor: User, case: Case, reason: str) -> ClosureRequest:
    """Reject the pending closure request with a reason (a coordinator on the team, not the
    requester): the case stays open. Audited by the request's update entry."""
    _locked, pending = _decide(actor=actor, case=case)
    pending.status = ClosureRequestStatus.REJECTED
    pending.decided_by = actor
    pending.decided_at = timezone.now()
    pending.decision_reason = reason
    pending.full_clean(exclude=["case", "requested_by", "decided_by"], validate_constraints=False)
    pending.save()
    return pending
