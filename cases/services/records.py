"""What the team records: Linköpingsmodellen home visits and each agency's notes on them, SSPF
meetings with their action plans, and notes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases import personnummer
from cases.errors import Conflict
from cases.models import (
    ROLE_AGENCY_KIND,
    SOCIAL_SERVICES_ROLES,
    ActionItem,
    AgencyKind,
    Case,
    CaseMember,
    HomeVisit,
    Meeting,
    MeetingKind,
    Note,
    PresentRole,
    Role,
    StaffProfile,
    Track,
    VisitNote,
)
from cases.permissions import MSG_SOCIAL_SERVICES_ONLY, require_open, require_social_services, staff_profile

MSG_PARTICIPANT_NOT_MEMBER = _("Every participant must be on the case team.")
MSG_VISIT_NEEDS_BOTH = _("A joint home visit needs at least one police officer and one social services member.")
MSG_VISIT_WRITERS = _("Only social services and police members of the team may record home visits.")
MSG_VISIT_NOTE_WRITERS = _("Only social services on the team and police who took part may write on a visit.")
MSG_SCREENING_ACCEPT_WITHOUT_OFFER = _("A screening cannot be accepted unless it was offered.")
MSG_SCREENING_RESULT_WITHOUT_ACCEPT = _(
    "A screening result can be recorded only when a screening was offered and accepted."
)
MSG_VISIT_LINKOPING_ONLY = _("Joint home visits are recorded on Linköpingsmodellen cases only.")
MSG_VISIT_AGE = _("On the day of a home visit the youth must be between {low} and {high} years old.")
MSG_INFORMED_VOLUNTARY = _("Say whether the family was told that the visit is voluntary.")
MSG_FOLLOW_UP_BEFORE_VISIT = _("The follow-up cannot be before the visit.")
MSG_RESPONSIBLE_AGENCY = _("The responsible member must work for the agency that carries out the action.")
MSG_RESPONSIBLE_NOT_MEMBER = _("The responsible member must be on the case team.")
MSG_ALREADY_DONE = _("This action is already marked as done.")
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


@dataclass(frozen=True)
class RecordedVisit:
    """A visit just recorded, with what was written with it: its participants and its recorder's
    note, so that the answer is built from them instead of read back (docs/performance.md)."""

    visit: HomeVisit
    participants: list[User]
    notes: list[VisitNote]


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
    informed_voluntary: bool | None = None,
    source: str = "",
    family_told: str = "",
    screening: Mapping[str, Any] | None = None,
    support_offered: str = "",
    follow_up_at: date | None = None,
) -> RecordedVisit:
    """Record a joint home visit (social services or police on the team) on a Linköpingsmodellen
    case, by that model's rules (docs/process.md):

    - the case is on the ``linkoping`` track (400 ``track``), and the youth is
      ``LINKOPING_AGE_MIN``-``LINKOPING_AGE_MAX`` years old on the day of the visit (400
      ``occurred_at``);
    - participants are all on the team and include at least one police officer and one social
      services member (400 ``participants``);
    - whether the family was told the visit is voluntary is recorded (400 ``informed_voluntary``);
    - a screening answer needs an offer, a result an accepted offer (400 ``screening``);
    - the follow-up is not before the visit (400 ``follow_up_at``).
    """
    profile = staff_profile(actor)
    if profile is None or (profile.role not in SOCIAL_SERVICES_ROLES and profile.role != Role.POLICE):
        raise PermissionDenied(MSG_VISIT_WRITERS)
    require_open(case)
    if case.track != Track.LINKOPING:
        raise ValidationError({"track": [MSG_VISIT_LINKOPING_ONLY]})
    errors: dict[str, list[Any]] = {}
    visit_day = timezone.localdate(occurred_at)
    low, high = settings.LINKOPING_AGE_MIN, settings.LINKOPING_AGE_MAX
    if occurred_at > timezone.now():
        errors["occurred_at"] = [MSG_FUTURE]
    elif (
        visit_day < personnummer.birth_date(case.youth.personal_number)  # before the youth was born
        or not low <= personnummer.age_on(case.youth.personal_number, visit_day) <= high
    ):
        errors["occurred_at"] = [MSG_VISIT_AGE.format(low=low, high=high)]
    if informed_voluntary is None:
        errors["informed_voluntary"] = [MSG_INFORMED_VOLUNTARY]
    if follow_up_at is not None and follow_up_at < visit_day:
        errors["follow_up_at"] = [MSG_FOLLOW_UP_BEFORE_VISIT]
    present_list = list(present)
    if len(set(present_list)) != len(present_list):
        errors["present"] = [MSG_DUPLICATE]
    screening = screening or {}
    if screening.get("accepted") is not None and not screening.get("offered"):
        errors["screening"] = [MSG_SCREENING_ACCEPT_WITHOUT_OFFER]
    elif screening.get("result") and not (screening.get("offered") and screening.get("accepted")):
        errors["screening"] = [MSG_SCREENING_RESULT_WITHOUT_ACCEPT]
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
        informed_voluntary=informed_voluntary,
        screening_offered=screening.get("offered"),
        screening_accepted=screening.get("accepted"),
        screening_result=screening.get("result") or "",
        support_offered=support_offered,
        follow_up_at=follow_up_at,
        created_by=actor,
    )
    _clean_new(visit, exclude=["case", "created_by"])  # the screening constraint: checked above
    visit.save()
    written = [user for user, _role in users]
    # A new visit has no participants yet: one INSERT, without add()'s query for those it already
    # has (participants are not audited one by one: the visit's entry names the visit).
    through = HomeVisit.participants.through
    through.objects.bulk_create([through(homevisit=visit, user=user) for user in written])
    note = [_visit_note_save(visit=visit, profile=profile, actor=actor, text=notes)] if notes else []
    return RecordedVisit(visit, written, note)


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


def _responsible_users(case: Case, items: list[Mapping[str, Any]], errors: dict[str, list[Any]]) -> dict[int, User]:
    """Each action item's ``responsible_user`` (by position): a team member of the item's agency.
    What is wrong goes into ``errors`` under ``actions.<position>.responsible_user``. One query."""
    wanted = {position: data["responsible_user"] for position, data in enumerate(items) if data.get("responsible_user")}
    if not wanted:
        return {}
    members = {
        m.user.get_username(): m
        for m in CaseMember.objects.filter(
            case=case, user__username__in=set(wanted.values()), user__is_active=True
        ).select_related("user")
    }
    found: dict[int, User] = {}
    for position, name in wanted.items():
        member = members.get(name)
        field = f"actions.{position}.responsible_user"
        if member is None:
            errors[field] = [MSG_RESPONSIBLE_NOT_MEMBER]
        elif ROLE_AGENCY_KIND.get(member.role) != items[position]["agency"]:
            errors[field] = [MSG_RESPONSIBLE_AGENCY]
        else:
            found[position] = member.user
    return found


@transaction.atomic
def meeting_record(
    *,
    actor: User,
    case: Case,
    held_at: datetime,
    notes: str = "",
    actions: Iterable[Mapping[str, Any]] = (),
    kind: str | None = None,
    attendees: Iterable[str] = (),
    present: Iterable[str] = (),
) -> Meeting:
    """Record an SSPF meeting and its action plan (social services on the team).

    ``kind`` defaults to ``initial`` for the case's first meeting and ``follow_up`` after it (v1
    clients send none). ``attendees`` are team usernames (400 ``attendees``); ``present`` who of
    the family was there; an item's ``responsible_user`` a team member of the item's agency (400
    ``actions.<n>.responsible_user``)."""
    require_social_services(actor)
    require_open(case)
    errors: dict[str, list[Any]] = {}
    present_list = list(present)
    if len(set(present_list)) != len(present_list):
        errors["present"] = [MSG_DUPLICATE]
    users: list[tuple[User, str]] = []
    names = list(attendees)
    if names:
        try:
            users = _team_users(case, names, "attendees")
        except ValidationError as exc:
            errors.update(exc.message_dict)
    items = list(actions)
    responsible = _responsible_users(case, items, errors)
    if errors:
        raise ValidationError(errors)
    if kind is None:
        kind = MeetingKind.FOLLOW_UP if case.meetings.exists() else MeetingKind.INITIAL
    meeting = Meeting(
        case=case,
        kind=kind,
        held_at=held_at,
        present=[PresentRole(value).value for value in present_list],
        notes=notes,
        created_by=actor,
    )
    _clean_new(meeting, exclude=["case", "created_by"])
    meeting.save()
    if users:
        meeting.attendees.add(*[user for user, _role in users])
    for position, data in enumerate(items):
        item = ActionItem(
            meeting=meeting,
            case=case,
            agency=AgencyKind(data["agency"]).value,
            responsible=data["responsible"],
            responsible_user=responsible.get(position),
            action=data["action"],
            due_at=data.get("due_at"),
            done_at=data.get("done_at"),
            position=position,
        )
        item.save()
    return meeting


@transaction.atomic
def action_item_done(*, actor: User, item: ActionItem, done_at: date | None = None) -> ActionItem:
    """Mark an action-plan item done (social services on the team, who record meetings), on
    ``done_at`` (today when not given; not in the future). Once: an item already done is a
    conflict (``already_done``). Audited by the item's update entry (field names only)."""
    require_social_services(actor)
    require_open(item.case)
    today = timezone.localdate()
    # Under the row's lock: two marks at once cannot both succeed.
    if ActionItem.objects.select_for_update().filter(pk=item.pk).values_list("done_at", flat=True).first():
        raise Conflict(MSG_ALREADY_DONE, code="already_done")
    if done_at is not None and done_at > today:
        raise ValidationError({"done_at": [MSG_FUTURE]})
    item.done_at = done_at or today
    item.done_by = actor
    item.save(update_fields=["done_at", "done_by"])
    return item


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
