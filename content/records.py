"""What the team recorded, as its reader may see it: home visits with each agency's notes on
them, SSPF meetings with their action plans, notes, and police links.

The rules (docs/access-control.md):
- visits: under ``visits``; a police officer without it sees the visits they took part in;
- each agency's notes on a visit: the reader's own agency's always; the case's own social
  services' under ``visits`` (``CaseAccess.sharing``); another agency's only under a consent
  naming both agencies for ``visits`` (``CaseAccess.author_sharing``);
- meetings and their action plans: under ``meetings``;
- notes: the reader's own agency's always; social services' in a shared category; another
  agency's only under a consent naming both agencies for the note's category;
- police links (the police's own information, counted as ``notes``): the linking agency while
  consent shares anything with it; anyone else on the team under a consent naming both for
  ``notes``; nobody but social services and the police.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q, QuerySet, prefetch_related_objects
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from cases.errors import ConsentRequired
from cases.models import ActionItem, HomeVisit, Meeting, Note, PoliceLink, Role, VisitNote
from cases.services import RecordedVisit
from consent.policy import MEETINGS, NOTES, VISITS, Sharing
from content.access import CaseAccess, case_access, record_shown
from content.paging import Page, PageRequest, page_of

MSG_POLICE_LINKS = _("Police links are shown to social services and, under consent, to the police.")
POLICE_LINKS = "police_links"

VISIT_NOTES = Prefetch("agency_notes", queryset=VisitNote.objects.select_related("agency", "author"))
ACTIONS = Prefetch("actions", queryset=ActionItem.objects.select_related("responsible_user", "done_by"))


def _page(rows: QuerySet[Any], page: PageRequest, shape: Any) -> Page[dict[str, Any]]:
    items, count, number, num_pages = page_of(rows, page)
    return Page(items=[shape(row) for row in items], count=count, number=number, num_pages=num_pages)


# --- home visits ---------------------------------------------------------------------------------


def visit_notes_shown(
    access: CaseAccess, visit: HomeVisit, notes: Iterable[VisitNote] | None = None
) -> list[VisitNote]:
    """Each agency's own notes on ``visit`` (or ``notes``, when they are in hand) that the reader
    may see (``visits`` in what the reader may see of that agency's information)."""
    candidates = visit.agency_notes.all() if notes is None else notes
    return [n for n in candidates if VISITS in access.author_sharing(n.agency_id)]


def visit_note_shown(note: VisitNote) -> dict[str, Any]:
    return {
        "id": note.pk,
        "agency": note.agency.kind,
        "author": note.author.username,
        "text": note.text,
        "created_at": note.created_at,
    }


def visit_shown(
    access: CaseAccess,
    visit: HomeVisit,
    participants: Iterable[User] | None = None,
    notes: Iterable[VisitNote] | None = None,
) -> dict[str, Any]:
    """One visit as ``access`` lets its reader see it (participants and notes loaded on it, or
    given)."""
    notes = visit_notes_shown(access, visit, notes)
    participants = visit.participants.all() if participants is None else participants
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
        # Sorted here (the prefetched set has no order of its own: PostgreSQL returned either).
        "participants": sorted(user.username for user in participants),
        "present": list(visit.present),
        "source": visit.source,
        "basis": visit.basis,
        "family_told": visit.family_told,
        # API.md's ``notes``: the texts of the notes the reader may see, oldest first.
        "notes": "\n\n".join(note.text for note in notes),
        "outcome": visit.outcome,
        "informed_voluntary": visit.informed_voluntary,
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
    visits, count, number, num_pages = page_of(_visits_for(access, reader), page)
    items = [visit_shown(access, visit) for visit in visits]
    # The register: the visits under the reader's consent, and each other agency's notes on them.
    disclosed: list[tuple[CaseAccess, set[str], Sharing]] = [(access, {VISITS} if items else set(), access.sharing)]
    # Another agency's own notes only: the case's own social services' notes rest on the reader's
    # sharing already registered above, and the reader's own agency's on none.
    own = {access.case.owning_agency_id, access.profile.agency_id}
    authors = {note.agency_id for visit in visits for note in visit_notes_shown(access, visit)} - own
    disclosed += [(access, {VISITS}, access.author_sharing(agency_id)) for agency_id in sorted(authors, key=str)]
    record_shown(reader=reader, view="visits", shown=[(access, {VISITS} if items else set())], disclosed=disclosed)
    return Page(items=items, count=count, number=number, num_pages=num_pages)


def visit_of_case(*, access: CaseAccess, visit_id: UUID | str) -> HomeVisit:
    """A visit of a case the reader has opened, for writing on it (404 for another case's)."""
    visit = access.case.visits.filter(pk=visit_id).first()
    if visit is None:
        raise Http404
    return visit


# --- meetings --------------------------------------------------------------------------------------


def action_shown(action: ActionItem) -> dict[str, Any]:
    """One action-plan item (its ``responsible_user`` and ``done_by`` loaded on it)."""
    return {
        "id": action.pk,
        "agency": action.agency,
        "responsible": action.responsible,
        "responsible_user": action.responsible_user.get_username() if action.responsible_user else None,
        "action": action.action,
        "due_at": action.due_at,
        "done_at": action.done_at,
        "done_by": action.done_by.get_username() if action.done_by else None,
    }


def meeting_shown(meeting: Meeting) -> dict[str, Any]:
    """One meeting with its action plan (attendees and actions loaded on it)."""
    return {
        "id": meeting.pk,
        "kind": meeting.kind,
        "held_at": meeting.held_at,
        "attendees": sorted(user.get_username() for user in meeting.attendees.all()),
        "present": list(meeting.present),
        "notes": meeting.notes,
        "actions": [action_shown(action) for action in meeting.actions.all()],
        "created_by": meeting.created_by.username,
        "created_at": meeting.created_at,
    }


def meeting_recorded(*, meeting: Meeting) -> dict[str, Any]:
    """A meeting just recorded, as its recorder wrote it (its own create entry records it)."""
    prefetch_related_objects([meeting], "attendees", ACTIONS)
    return meeting_shown(meeting)


def action_item_of_case(*, access: CaseAccess, meeting_id: UUID | str, action_id: UUID | str) -> ActionItem:
    """An action-plan item of a meeting of a case the reader has opened, for marking it done
    (404 for another meeting's or case's)."""
    item = (
        ActionItem.objects.select_related("meeting", "responsible_user", "done_by")
        .filter(case=access.case, meeting_id=meeting_id, pk=action_id)
        .first()
    )
    if item is None:
        raise Http404
    item.case = access.case  # the case and its key in hand: no query, no second unwrap
    item.meeting.case = access.case
    return item


def meetings_page(*, reader: User, case_id: UUID | str, page: PageRequest) -> Page[dict[str, Any]]:
    """SSPF meetings with their action plans, under ``meetings`` (403 ``consent_required``)."""
    access = case_access(user=reader, case_id=case_id)
    if MEETINGS not in access.categories:
        raise ConsentRequired
    queryset = access.case.meetings.select_related("created_by").prefetch_related("attendees", ACTIONS)
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


def _by_author(access: CaseAccess, rows: QuerySet[Any], category: str | None = None) -> Q:
    """The rows of ``rows`` (notes, police links: each with the ``agency`` that wrote it) the
    reader may see: for each writing agency, those in a category the reader may see of its
    information (``category``: the one category all rows count as). One query for the agencies."""
    visible = Q(pk__in=[])
    for agency_id in rows.values_list("agency_id", flat=True).distinct().order_by():
        shared = access.author_sharing(agency_id)
        if category is None:
            visible |= Q(agency_id=agency_id, category__in=sorted(shared))
        elif category in shared:
            visible |= Q(agency_id=agency_id)
    return visible


def _notes_for(access: CaseAccess) -> QuerySet[Note]:
    """The notes the reader may see of each agency's (``CaseAccess.author_sharing``)."""
    notes = access.case.notes.all()
    return notes.filter(_by_author(access, notes)).select_related("author", "agency")


def notes_page(*, reader: User, case_id: UUID | str, page: PageRequest) -> Page[dict[str, Any]]:
    """The notes ``reader`` may see. Records each category shown; what another agency wrote is
    what the disclosure register records."""
    access = case_access(user=reader, case_id=case_id)
    items, count, number, num_pages = page_of(_notes_for(access), page)
    by_agency: dict[Any, set[str]] = {}
    for note in items:
        by_agency.setdefault(note.agency_id, set()).add(note.category)
    record_shown(
        reader=reader,
        view="notes",
        shown=[(access, {note.category for note in items})],
        disclosed=[
            (access, categories, access.author_sharing(agency_id)) for agency_id, categories in by_agency.items()
        ],
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
    """Police case references linked to the case. The police only while consent shares
    something with their agency (a withdrawal hides the links from the police too), and then
    their own agency's links and another's under a consent naming both for ``notes``; social
    services on the team the links of a police authority a consent names for ``notes``; nobody
    else. Records ``police_links`` when any is shown, and the disclosure of another agency's."""
    access = case_access(user=reader, case_id=case_id)
    if access.profile.role == Role.POLICE:
        if not access.categories:
            raise ConsentRequired
    elif not access.social_services:
        raise PermissionDenied(MSG_POLICE_LINKS)
    links = access.case.police_links.all()
    queryset = links.filter(_by_author(access, links, NOTES)).select_related("linked_by").order_by("-linked_at", "id")
    rows, count, number, num_pages = page_of(queryset, page)
    authors = {link.agency_id for link in rows}
    record_shown(
        reader=reader,
        view="police-links",
        shown=[(access, {POLICE_LINKS} if rows else set())],
        disclosed=[(access, {NOTES}, access.author_sharing(agency_id)) for agency_id in sorted(authors, key=str)],
    )
    return Page(items=[police_link_shown(link) for link in rows], count=count, number=number, num_pages=num_pages)


def visit_recorded(*, access: CaseAccess, recorded: RecordedVisit) -> dict[str, Any]:
    """A visit just recorded, as its recorder wrote it: built from what the service wrote (the
    visit, its participants, the recorder's note), not read back through the read rule (which
    would hide it from a police recorder who is not a participant and has no consent) nor from
    the database (measured: docs/performance.md). The visit's own create entry records it."""
    return visit_shown(access, recorded.visit, recorded.participants, recorded.notes)
