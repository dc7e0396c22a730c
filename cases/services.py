"""Writes. Each service takes the acting user first, runs in one transaction, validates before it
saves and raises Django's ValidationError / PermissionDenied (mapped to 400 / 403 by the API).

Authorisation here is the second line: views fetch the case through the selector (404 for
outsiders) and the services check the caller's role for the operation.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.shortcuts import assign_perm, remove_perm

from cases import crypto, personnummer
from cases.errors import Conflict, PreconditionFailed, PreconditionRequired
from cases.models import (
    ROLE_AGENCY_KIND,
    SOCIAL_SERVICES_ROLES,
    TEAM_ROLES,
    ActionItem,
    Agency,
    AgencyKind,
    Case,
    CaseKey,
    CaseMember,
    CaseNumberSequence,
    CaseStatus,
    Guardian,
    HomeVisit,
    LegalHold,
    Meeting,
    Note,
    PresentRole,
    Role,
    StaffProfile,
    Track,
    VisitNote,
    Youth,
)
from cases.selectors import PNR_INDEX_PURPOSE, VIEW_CASE, staff_profile

MSG_SOCIAL_SERVICES_ONLY = _("Only social services staff may do this.")
MSG_TEAM_MANAGERS_ONLY = _("Only a coordinator or the case's owning social worker may do this.")
MSG_CASE_CLOSED = _("The case is closed.")
MSG_ALREADY_CLOSED = _("The case is already closed.")
MSG_AGE_TRACK = _("For this track the youth must be between {low} and {high} years old when the case is opened.")
MSG_UNKNOWN_USER = _("There is no active staff member with this username.")
MSG_NOT_TEAM_ROLE = _("This user's role cannot be a member of a case team.")
MSG_ROLE_MISMATCH = _("This role does not match the user's agency.")
MSG_ALREADY_MEMBER = _("This user is already on the team.")
MSG_NOT_MEMBER = _("This user is not on the team.")
MSG_OWNER_STAYS = _("The owning social worker cannot be removed from the team.")
MSG_PARTICIPANT_NOT_MEMBER = _("Every participant must be on the case team.")
MSG_VISIT_NEEDS_BOTH = _("A joint home visit needs at least one police officer and one social services member.")
MSG_VISIT_WRITERS = _("Only social services and police members of the team may record home visits.")
MSG_VISIT_NOTE_WRITERS = _("Only social services on the team and police who took part may write on a visit.")
MSG_SCREENING_ACCEPT_WITHOUT_OFFER = _("A screening cannot be accepted unless it was offered.")
MSG_DUPLICATE = _("Each value may appear only once.")
MSG_FUTURE = _("This cannot be in the future.")


def _require_social_services(actor: AbstractBaseUser) -> StaffProfile:
    profile = staff_profile(actor)
    if profile is None or profile.role not in SOCIAL_SERVICES_ROLES:
        raise PermissionDenied(MSG_SOCIAL_SERVICES_ONLY)
    return profile


def _require_team_manager(actor: AbstractBaseUser, case: Case) -> StaffProfile:
    """Coordinators of the team and the case's owning social worker manage the team and close."""
    profile = _require_social_services(actor)
    if profile.role != Role.COORDINATOR and case.owner_id != actor.pk:
        raise PermissionDenied(MSG_TEAM_MANAGERS_ONLY)
    # On the team, not merely inside it by emergency access: nobody turns nödåtkomst into membership.
    if not CaseMember.objects.filter(case=case, user=actor).exists():
        raise PermissionDenied(MSG_TEAM_MANAGERS_ONLY)
    return profile


def _require_open(case: Case) -> None:
    if case.status != CaseStatus.OPEN:
        raise Conflict(MSG_CASE_CLOSED, code="case_closed")


def _normalize_pnr(value: str, field: str) -> str:
    try:
        return personnummer.normalize(value)
    except personnummer.InvalidPersonalNumber as exc:
        raise ValidationError({field: [exc.message]}) from None


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


def _grant_membership(*, case: Case, user: AbstractBaseUser, role: str, added_by: AbstractBaseUser) -> CaseMember:
    member = CaseMember(case=case, user=user, role=role, added_by=added_by)
    member.full_clean(exclude=["case", "user", "added_by"])
    member.save()
    assign_perm(f"cases.{VIEW_CASE}", user, case)
    return member


def _guardian_build(*, case: Case, data: Mapping[str, Any], prefix: str) -> Guardian:
    pnr = data.get("personal_number") or ""
    if pnr:
        pnr = _normalize_pnr(pnr, f"{prefix}personal_number")
    return Guardian(
        case=case,
        name=data["name"],
        personal_number=pnr,
        phone=data.get("phone") or "",
        address=data.get("address") or "",
        protected_identity=bool(data.get("protected_identity")),
    )


@transaction.atomic
def case_open(
    *,
    actor: AbstractBaseUser,
    track: str,
    youth: Mapping[str, Any],
    district: str,
    guardians: Iterable[Mapping[str, Any]] = (),
    summary: str = "",
) -> Case:
    """Open a case (social services only). The opener owns it and joins its team.

    Creates the case's data key first: every personal field is encrypted under it.
    """
    profile = _require_social_services(actor)
    now = timezone.now()
    pnr = _normalize_pnr(youth["personal_number"], "youth.personal_number")
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
        _guardian_build(case=case, data=data, prefix=f"guardians.{position}.").save()
    _grant_membership(case=case, user=actor, role=profile.role, added_by=actor)
    return case


def _lock_case(case: Case) -> Case:
    """Re-read the case row under a lock (so version checks and updates cannot interleave)."""
    locked = Case.objects.select_for_update(of=("self",)).select_related("key").get(pk=case.pk)
    locked.__dict__.pop("_cipher", None)
    return locked


@transaction.atomic
def case_update(
    *, actor: AbstractBaseUser, case: Case, expected_version: int | None, changes: Mapping[str, Any]
) -> Case:
    """Change a case's district or summary (social services on the team), guarded by its version.

    No ``expected_version`` raises ``PreconditionRequired``; a stale one ``PreconditionFailed``;
    both change nothing. A request that changes nothing leaves the version as it is.
    """
    _require_social_services(actor)
    if expected_version is None:
        raise PreconditionRequired
    locked = _lock_case(case)
    if locked.version != expected_version:
        raise PreconditionFailed
    _require_open(locked)
    changed = [name for name in ("district", "summary") if name in changes and getattr(locked, name) != changes[name]]
    if not changed:
        return locked
    for name in changed:
        setattr(locked, name, changes[name])
    locked.version += 1
    locked.full_clean(exclude=["owning_agency", "owner"])
    locked.save()
    return locked


@transaction.atomic
def case_close(*, actor: AbstractBaseUser, case: Case, reason: str) -> Case:
    """Close a case (coordinator or owning social worker); closing twice is a conflict."""
    _require_team_manager(actor, case)
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


@transaction.atomic
def case_member_add(*, actor: AbstractBaseUser, case: Case, username: str, role: str | None = None) -> CaseMember:
    """Put a staff member on the team (coordinator or owning social worker) and grant access."""
    _require_team_manager(actor, case)
    _require_open(case)
    user = get_user_model().objects.filter(username=username, is_active=True).select_related("staff_profile").first()
    profile = staff_profile(user) if user is not None else None
    if user is None or profile is None:
        raise ValidationError({"username": [MSG_UNKNOWN_USER]})
    if profile.role not in TEAM_ROLES:
        raise ValidationError({"username": [MSG_NOT_TEAM_ROLE]})
    role = role or profile.role
    if role not in TEAM_ROLES or ROLE_AGENCY_KIND[role] != profile.agency.kind:  # type: ignore[union-attr]
        raise ValidationError({"role": [MSG_ROLE_MISMATCH]})
    if CaseMember.objects.filter(case=case, user=user).exists():
        raise Conflict(MSG_ALREADY_MEMBER, code="already_member")
    return _grant_membership(case=case, user=user, role=role, added_by=actor)


@transaction.atomic
def case_member_remove(*, actor: AbstractBaseUser, case: Case, username: str) -> None:
    """Take a member off the team and revoke the guardian grant in the same transaction."""
    _require_team_manager(actor, case)
    member = CaseMember.objects.filter(case=case, user__username=username).select_related("user").first()
    if member is None:
        raise ValidationError({"username": [MSG_NOT_MEMBER]})
    if member.user_id == case.owner_id:
        raise Conflict(MSG_OWNER_STAYS, code="owner_stays")
    remove_perm(f"cases.{VIEW_CASE}", member.user, case)
    member.delete()


@transaction.atomic
def guardian_add(*, actor: AbstractBaseUser, case: Case, data: Mapping[str, Any]) -> Guardian:
    """Register a guardian on the case (social services on the team)."""
    _require_social_services(actor)
    _require_open(case)
    guardian = _guardian_build(case=case, data=data, prefix="")
    guardian.save()
    return guardian


def _clean_new(instance: Any, *, exclude: list[str]) -> None:
    """Validate a new row whose only unique column is its random UUID primary key, and whose
    check constraints the calling service has already checked in Python: the field validators
    run; Django's uniqueness query for the fresh primary key and its constraint queries (three
    round trips each) are skipped. The database enforces both anyway."""
    instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)


def _team_users(case: Case, usernames: Iterable[str], field: str) -> list[tuple[AbstractBaseUser, str]]:
    names = list(usernames)
    if len(set(names)) != len(names):
        raise ValidationError({field: [MSG_DUPLICATE]})
    members = {
        m.user.get_username(): (m.user, m.role)
        for m in CaseMember.objects.filter(case=case, user__username__in=names, user__is_active=True).select_related(
            "user"
        )
    }
    if len(members) != len(names):
        raise ValidationError({field: [MSG_PARTICIPANT_NOT_MEMBER]})
    return [members[name] for name in names]


@transaction.atomic(savepoint=False)  # see note_add
def visit_record(
    *,
    actor: AbstractBaseUser,
    case: Case,
    occurred_at: datetime,
    participants: Iterable[str],
    present: Iterable[str],
    basis: str,
    notes: str,
    outcome: str,
    source: str = "",
    family_told: str = "",
    screening: Mapping[str, Any] | None = None,
    support_offered: str = "",
    follow_up_at: date | None = None,
) -> HomeVisit:
    """Record a joint home visit (social services or police on the team).

    Participants must all be on the team and include at least one police officer and one
    social services member: that is what makes it a Linköpingsmodellen visit.
    """
    profile = staff_profile(actor)
    if profile is None or (profile.role not in SOCIAL_SERVICES_ROLES and profile.role != Role.POLICE):
        raise PermissionDenied(MSG_VISIT_WRITERS)
    _require_open(case)
    errors: dict[str, list[Any]] = {}
    if occurred_at > timezone.now():
        errors["occurred_at"] = [MSG_FUTURE]
    present_list = list(present)
    if len(set(present_list)) != len(present_list):
        errors["present"] = [MSG_DUPLICATE]
    screening = screening or {}
    if screening.get("accepted") is not None and not screening.get("offered"):
        errors["screening"] = [MSG_SCREENING_ACCEPT_WITHOUT_OFFER]
    try:
        users = _team_users(case, participants, "participants")
    except ValidationError as exc:
        errors.update(exc.message_dict)
        users = []
    roles = {role for _user, role in users}
    if users and (Role.POLICE not in roles or not roles & SOCIAL_SERVICES_ROLES):
        errors["participants"] = [MSG_VISIT_NEEDS_BOTH]
    if errors:
        raise ValidationError(errors)
    visit = HomeVisit(
        case=case,
        occurred_at=occurred_at,
        present=[PresentRole(value).value for value in present_list],
        source=source,
        basis=basis,
        family_told=family_told,
        outcome=outcome,
        screening_offered=screening.get("offered"),
        screening_accepted=screening.get("accepted"),
        screening_result=screening.get("result") or "",
        support_offered=support_offered,
        follow_up_at=follow_up_at,
        created_by=actor,
    )
    _clean_new(visit, exclude=["case", "created_by"])  # the screening constraint: checked above
    visit.save()
    visit.participants.add(*[user for user, _role in users])  # a new visit: nothing to remove
    if notes:
        _visit_note_save(visit=visit, profile=profile, actor=actor, text=notes)
    return visit


def _visit_note_save(*, visit: HomeVisit, profile: StaffProfile, actor: AbstractBaseUser, text: str) -> VisitNote:
    note = VisitNote(visit=visit, case=visit.case, agency=profile.agency, author=actor, text=text)
    _clean_new(note, exclude=["visit", "case", "agency", "author"])
    note.save()
    return note


@transaction.atomic
def visit_note_add(*, actor: AbstractBaseUser, visit: HomeVisit, text: str) -> VisitNote:
    """Add the actor's agency's own notes to a visit: social services on the team, or a police
    officer who took part. Nobody else writes on a visit."""
    profile = staff_profile(actor)
    participant = visit.participants.filter(pk=actor.pk).exists()
    if profile is None or not (profile.role in SOCIAL_SERVICES_ROLES or (profile.role == Role.POLICE and participant)):
        raise PermissionDenied(MSG_VISIT_NOTE_WRITERS)
    _require_open(visit.case)
    return _visit_note_save(visit=visit, profile=profile, actor=actor, text=text)


@transaction.atomic
def meeting_record(
    *,
    actor: AbstractBaseUser,
    case: Case,
    held_at: datetime,
    notes: str = "",
    actions: Iterable[Mapping[str, Any]] = (),
) -> Meeting:
    """Record an SSPF meeting and its action plan (social services on the team)."""
    _require_social_services(actor)
    _require_open(case)
    meeting = Meeting(case=case, held_at=held_at, notes=notes, created_by=actor)
    _clean_new(meeting, exclude=["case", "created_by"])
    meeting.save()
    for position, data in enumerate(actions):
        item = ActionItem(
            meeting=meeting,
            case=case,
            agency=AgencyKind(data["agency"]).value,
            responsible=data["responsible"],
            action=data["action"],
            due_at=data.get("due_at"),
            done_at=data.get("done_at"),
            position=position,
        )
        item.save()
    return meeting


# No savepoint of its own: inside a request's transaction a savepoint costs two round trips.
# The checks come before the writes; an error after the first write (a visit's note failing its
# validation, a database error) fails the request's whole transaction, as it should. A caller
# that catches such an error and carries on in the same transaction would need a savepoint.
@transaction.atomic(savepoint=False)
def note_add(*, actor: AbstractBaseUser, case: Case, category: str, text: str) -> Note:
    """Add a note. Any team member may write; who may read it is the consent policy's answer."""
    profile = staff_profile(actor)
    if profile is None or profile.agency is None:
        raise PermissionDenied(MSG_SOCIAL_SERVICES_ONLY)
    _require_open(case)
    note = Note(case=case, category=category, text=text, author=actor, agency=profile.agency)
    _clean_new(note, exclude=["case", "author", "agency"])
    note.save()
    return note


@transaction.atomic
def staff_create(
    *,
    username: str,
    password: str,
    role: str,
    agency: Agency | None,
    first_name: str = "",
    last_name: str = "",
) -> AbstractBaseUser:
    """Create a staff user with its profile and role group (management commands and admin)."""
    user_model = get_user_model()
    user = user_model.objects.create_user(
        username=username, password=password, first_name=first_name, last_name=last_name
    )
    profile = StaffProfile(user=user, agency=agency, role=role)
    profile.full_clean()
    profile.save()
    group, _created = Group.objects.get_or_create(name=role)
    user.groups.add(group)
    return user


MSG_COORDINATORS_ONLY = _("Only SSPF coordinators on the team may place or release a legal hold.")
MSG_NO_HOLD = _("The case has no legal hold in force.")


def _require_coordinator_member(actor: AbstractBaseUser, case: Case) -> None:
    profile = staff_profile(actor)
    if (
        profile is None
        or profile.role != Role.COORDINATOR
        or not CaseMember.objects.filter(case=case, user=actor).exists()
    ):
        raise PermissionDenied(MSG_COORDINATORS_ONLY)


@transaction.atomic
def legal_hold_place(*, actor: AbstractBaseUser, case: Case, reason: str) -> LegalHold:
    """Keep the case from being purged (a records request, an investigation). Audited."""
    from audit.models import AuditEvent
    from audit.services import record

    _require_coordinator_member(actor, case)
    hold = LegalHold(case=case, reason=reason, placed_by=actor)
    hold.full_clean(exclude=["case", "placed_by", "released_by"])
    hold.save()
    record(event=AuditEvent.LEGAL_HOLD, model=Case, object_pk=str(case.pk), case=case, extra={"step": "placed"})
    return hold


@transaction.atomic
def legal_hold_release(*, actor: AbstractBaseUser, case: Case) -> LegalHold:
    from audit.models import AuditEvent
    from audit.services import record

    _require_coordinator_member(actor, case)
    hold = LegalHold.objects.select_for_update().filter(case=case, released_at__isnull=True).first()
    if hold is None:
        raise Conflict(MSG_NO_HOLD, code="no_legal_hold")
    hold.released_by = actor
    hold.released_at = timezone.now()
    hold.save()
    record(event=AuditEvent.LEGAL_HOLD, model=Case, object_pk=str(case.pk), case=case, extra={"step": "released"})
    return hold
