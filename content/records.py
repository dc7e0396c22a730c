"""What the team recorded, as its reader may see it: home visits with each agency's notes on
them, SSPF meetings with their action plans, notes, and police links.

The rules (docs/access-control.md):
- visits: under ``visits``; a police officer without it sees the visits they took part in;
- each agency's notes on a visit: the reader's own agency's always, another's only for social
  services or under ``visits``;
- meetings and their action plans: under ``meetings``;
- notes: those in a shared category, and every note the reader's own agency wrote;
- police links: social services on the team; the police only while consent shares anything.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q, QuerySet, prefetch_related_objects
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from cases.errors import ConsentRequired
from cases.models import SOCIAL_SERVICES_ROLES, HomeVisit, Meeting, Note, PoliceLink, Role, VisitNote
from consent.policy import MEETINGS, VISITS
from content.access import CaseAccess, case_access, record_shown
from content.paging import Page, PageRequest, page_of

MSG_POLICE_LINKS = _("Police links are shown to social services and, under consent, to the police.")
POLICE_LINKS = "police_links"

VISIT_NOTES = Prefetch("agency_notes", queryset=VisitNote.objects.select_related("agency", "author"))


def _page(rows: QuerySet[Any], page: PageRequest, shape: Any) -> Page[dict[str, Any]]:
    items, count, number, num_pages = page_of(rows, page)
    return Page(items=[shape(row) for row in items], count=count, number=number, num_pages=num_pages)


# --- home visits ---------------------------------------------------------------------------------


def visit_notes_shown(access: CaseAccess, visit: HomeVisit) -> list[VisitNote]:
    """Each agency's own notes on ``visit``: the reader's agency's always; another agency's only
    for social services or under a consent that shares visits with the reader's agency."""
    everything = access.social_services or VISITS in access.categories
    return [n for n in visit.agency_notes.all() if everything or n.agency_id == access.profile.agency_id]


def visit_note_shown(note: VisitNote) -> dict[str, Any]:
    return {
        "id": note.pk,
        "agency": note.agency.kind,
        "author": note.author.username,
        "text": note.text,
        "created_at": note.created_at,
    }


def visit_shown(access: CaseAccess, visit: HomeVisit) -> dict[str, Any]:
    """One visit as ``access`` lets its reader see it (participants and notes loaded on it)."""
    notes = visit_notes_shown(access, visit)
    screening = (
        None
        if visit.screening_offered is None
        else {
            "offered": visit.screening_offered,
            "accepted": visit.screening_accepted,
            "result": visit.screening_result,
        }
    )
    return {
        "id": visit.pk,
        "occurred_at": visit.occurred_at,
        "participants": [user.username for user in visit.participants.all()],
        "present": list(visit.present),
        "source": visit.source,
        "basis": visit.basis,
        "family_told": visit.family_told,
        # API.md's ``notes``: the texts of the notes the reader may see, oldest first.
        "notes": "\n\n".join(note.text for note in notes),
        "outcome": visit.outcome,
        "agency_notes": [visit_note_shown(note) for note in notes],
        "screening": screening,
        "support_offered": visit.support_offered,
        "follow_up_at": visit.follow_up_at,
        "created_by": visit.created_by.username,
        "created_at": visit.created_at,
    }


def _visits_for(access: CaseAccess, reader: User) -> QuerySet[HomeVisit]:
    queryset = access.case.visits.select_related("created_by").prefetch_related("participants", VISIT_NOTES)
    if VISITS in access.categories:
        return queryset
    if access.profile.role == Role.POLICE:
        # Police participants always see the visits they took part in, consent or not (API.md).
        return queryset.filter(participants=reader)
    raise ConsentRequired


def visits_page(*, reader: User, case_id: UUID | str, page: PageRequest) -> Page[dict[str, Any]]:
    """The home visits of a case that ``reader`` may see; records ``visits`` when any is shown."""
    access = case_access(user=reader, case_id=case_id)
    result = _page(_visits_for(access, reader), page, lambda visit: visit_shown(access, visit))
    record_shown(reader=reader, view="visits", shown=[(access, {VISITS} if result.items else set())])
    return result


def visit_of_case(*, access: CaseAccess, visit_id: UUID | str) -> HomeVisit:
    """A visit of a case the reader has opened, for writing on it (404 for another case's)."""
    visit = access.case.visits.filter(pk=visit_id).first()
    if visit is None:
        raise Http404
    return visit


# --- meetings --------------------------------------------------------------------------------------


def meeting_shown(meeting: Meeting) -> dict[str, Any]:
    return {
        "id": meeting.pk,
        "held_at": meeting.held_at,
        "notes": meeting.notes,
        "actions": [
            {
                "agency": action.agency,
                "responsible": action.responsible,
                "action": action.action,
                "due_at": action.due_at,
                "done_at": action.done_at,
            }
            for action in meeting.actions.all()
        ],
        "created_by": meeting.created_by.username,
        "created_at": meeting.created_at,
    }


def meetings_page(*, reader: User, case_id: UUID | str, page: PageRequest) -> Page[dict[str, Any]]:
    """SSPF meetings with their action plans, under ``meetings`` (403 ``consent_required``)."""
    access = case_access(user=reader, case_id=case_id)
    if MEETINGS not in access.categories:
        raise ConsentRequired
    queryset = access.case.meetings.select_related("created_by").prefetch_related("actions")
    result = _page(queryset, page, meeting_shown)
    record_shown(reader=reader, view="meetings", shown=[(access, {MEETINGS} if result.items else set())])
    return result


# --- notes -----------------------------------------------------------------------------------------


def note_shown(note: Note) -> dict[str, Any]:
    return {
        "id": note.pk,
        "category": note.category,
        "text": note.text,
        "author": note.author.username,
        "agency": note.agency.kind,
        "created_at": note.created_at,
    }


def _notes_for(access: CaseAccess) -> QuerySet[Note]:
    """All notes in shared categories, plus every note the reader's own agency wrote."""
    queryset = access.case.notes.select_related("author", "agency")
    if access.profile.role in SOCIAL_SERVICES_ROLES:
        return queryset
    return queryset.filter(Q(category__in=access.categories) | Q(agency_id=access.profile.agency_id))


def notes_page(*, reader: User, case_id: UUID | str, page: PageRequest) -> Page[dict[str, Any]]:
    """The notes ``reader`` may see. Records each category shown; what another agency wrote is
    what the disclosure register records."""
    access = case_access(user=reader, case_id=case_id)
    items, count, number, num_pages = page_of(_notes_for(access), page)
    others = {note.category for note in items if note.agency_id != access.profile.agency_id}
    record_shown(
        reader=reader,
        view="notes",
        shown=[(access, {note.category for note in items})],
        disclosed=[(access, others)],
    )
    return Page(items=[note_shown(note) for note in items], count=count, number=number, num_pages=num_pages)


# --- police links -----------------------------------------------------------------------------------


def police_link_shown(link: PoliceLink) -> dict[str, Any]:
    return {
        "id": link.pk,
        "reference": link.reference,
        "linked_by": link.linked_by.username,
        "linked_at": link.linked_at,
    }


def police_links_page(*, reader: User, case_id: UUID | str, page: PageRequest) -> Page[dict[str, Any]]:
    """Police case references linked to the case: social services on the team always; the police
    only while consent shares something with them (a withdrawal hides the links from the police
    too); nobody else. Records ``police_links`` when any is shown."""
    access = case_access(user=reader, case_id=case_id)
    if access.profile.role == Role.POLICE:
        if not access.categories:
            raise ConsentRequired
    elif not access.social_services:
        raise PermissionDenied(MSG_POLICE_LINKS)
    queryset = access.case.police_links.select_related("linked_by").order_by("-linked_at", "id")
    result = _page(queryset, page, police_link_shown)
    # No disclosure row: the police read references to their own cases.
    record_shown(
        reader=reader, view="police-links", shown=[(access, {POLICE_LINKS} if result.items else set())], disclosed=[]
    )
    return result


def visit_recorded(*, access: CaseAccess, visit: HomeVisit) -> dict[str, Any]:
    """A visit just recorded, as its recorder wrote it: its participants and notes loaded onto the
    object in hand, not read back through the read rule (which would hide it from a police
    recorder who is not a participant and has no consent). The visit's own create entry records it."""
    prefetch_related_objects([visit], "participants", VISIT_NOTES)
    return visit_shown(access, visit)
