"""What the team records: Linköpingsmodellen home visits and each agency's notes on them, SSPF
meetings with their action plans, and notes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import (
    SOCIAL_SERVICES_ROLES,
    ActionItem,
    AgencyKind,
    Case,
    CaseMember,
    HomeVisit,
    Meeting,
    Note,
    PresentRole,
    Role,
    StaffProfile,
    VisitNote,
)
from cases.permissions import MSG_SOCIAL_SERVICES_ONLY, require_open, require_social_services, staff_profile

MSG_PARTICIPANT_NOT_MEMBER = _("Every participant must be on the case team.")
MSG_VISIT_NEEDS_BOTH = _("A joint home visit needs at least one police officer and one social services member.")
MSG_VISIT_WRITERS = _("Only social services and police members of the team may record home visits.")
MSG_VISIT_NOTE_WRITERS = _("Only social services on the team and police who took part may write on a visit.")
MSG_SCREENING_ACCEPT_WITHOUT_OFFER = _("A screening cannot be accepted unless it was offered.")
MSG_DUPLICATE = _("Each value may appear only once.")
MSG_FUTURE = _("This cannot be in the future.")


def _clean_new(instance: Any, *, exclude: list[str]) -> None:
    """Validate a new row whose only unique column is its random UUID primary key, and whose
    check constraints the calling service has already checked in Python: the field validators
    run; Django's uniqueness query for the fresh primary key and its constraint queries (three
    round trips each) are skipped. The database enforces both anyway."""
    instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)


def _team_users(case: Case, usernames: Iterable[str], field: str) -> list[tuple[User, str]]:
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
    actor: User,
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
    require_open(case)
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


def _visit_note_save(*, visit: HomeVisit, profile: StaffProfile, actor: User, text: str) -> VisitNote:
    note = VisitNote(visit=visit, case=visit.case, agency=profile.agency, author=actor, text=text)
    _clean_new(note, exclude=["visit", "case", "agency", "author"])
    note.save()
    return note


@transaction.atomic
def visit_note_add(*, actor: User, visit: HomeVisit, text: str) -> VisitNote:
    """Add the actor's agency's own notes to a visit: social services on the team, or a police
    officer who took part. Nobody else writes on a visit."""
    profile = staff_profile(actor)
    participant = visit.participants.filter(pk=actor.pk).exists()
    if profile is None or not (profile.role in SOCIAL_SERVICES_ROLES or (profile.role == Role.POLICE and participant)):
        raise PermissionDenied(MSG_VISIT_NOTE_WRITERS)
    require_open(visit.case)
    return _visit_note_save(visit=visit, profile=profile, actor=actor, text=text)


@transaction.atomic
def meeting_record(
    *,
    actor: User,
    case: Case,
    held_at: datetime,
    notes: str = "",
    actions: Iterable[Mapping[str, Any]] = (),
) -> Meeting:
    """Record an SSPF meeting and its action plan (social services on the team)."""
    require_social_services(actor)
    require_open(case)
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
def note_add(*, actor: User, case: Case, category: str, text: str) -> Note:
    """Add a note. Any team member may write; who may read it is the consent policy's answer."""
    profile = staff_profile(actor)
    if profile is None or profile.agency is None:
        raise PermissionDenied(MSG_SOCIAL_SERVICES_ONLY)
    require_open(case)
    note = Note(case=case, category=category, text=text, author=actor, agency=profile.agency)
    _clean_new(note, exclude=["case", "author", "agency"])
    note.save()
    return note
