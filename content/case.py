"""A case as its reader may see it: the list rows, the case itself with its people and team.

Identity (the youth, the guardians) shows only under ``identity``; the summary only under
``notes``; the youth's address never leaves social services when the identity is protected; a
pending closure request's reason only to social services. What is not shown is never read, so
never decrypted.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError

from audit.models import AuditEvent
from audit.services import record
from cases.crypto import DecryptionError
from cases.errors import ConsentRequired
from cases.filters import CaseFilter
from cases.models import Case, ClosureRequestStatus, Guardian, Youth
from consent.policy import IDENTITY, NOTES, custody_unconfirmed, required_givers
from content.access import (
    CaseAccess,
    case_access,
    case_accesses,
    case_list_for_user,
    case_member_rows,
    record_shown,
    staff_profile,
)
from content.paging import Page, PageRequest, page_of


def youth_shown(youth: Youth, *, social_services: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "given_name": youth.given_name,
        "family_name": youth.family_name,
        "personal_number": youth.personal_number,
    }
    # Protected identity (skyddade personuppgifter): the address never leaves social services,
    # whatever consent says; it is not even decrypted for anyone else.
    if youth.protected_identity and not social_services:
        body["protected_identity"] = True
        return body
    body["address"] = youth.address
    body["protected_identity"] = bool(youth.protected_identity)
    return body


def case_columns(case: Case) -> dict[str, Any]:
    """A case's plain columns (nothing encrypted, nothing under a consent category)."""
    return {
        "id": case.pk,
        "number": case.number,
        "track": case.track,
        "status": case.status,
        "district": case.district,
        "opened_at": case.opened_at,
        "closed_at": case.closed_at,
        "version": case.version,
    }


def case_row(access: CaseAccess) -> dict[str, Any]:
    body = case_columns(access.case)
    if IDENTITY in access.categories:
        body["youth"] = youth_shown(access.case.youth, social_services=access.social_services)
    return body


def consent_givers_shown(access: CaseAccess, guardians: list[Guardian]) -> dict[str, Any]:
    """Whose consent sharing needs now (social services, who record consents): each required
    giver, or why nothing can be shared (no custodian; joint custody with one registered). From
    the guardians already read for the page: no query of its own."""
    custodians = [g.pk for g in guardians if g.custodian]
    givers = required_givers(case=access.case, custodian_ids=custodians, at=access.at)
    return {
        "required": [
            {"giver": giver, "guardian": guardian}
            for giver, guardian in sorted(givers.required, key=lambda g: (g[0], str(g[1])))
        ],
        "blocked": givers.blocked,
    }


def closure_request_shown(access: CaseAccess) -> dict[str, Any] | None:
    """The case's pending closure request, or None: who asked, when, for which outcome, to whoever
    may read the case; the reason (encrypted free text) only to social services. One query."""
    pending = (
        access.case.closure_requests.filter(status=ClosureRequestStatus.PENDING).select_related("requested_by").first()
    )
    if pending is None:
        return None
    body: dict[str, Any] = {
        "requested_by": pending.requested_by.get_username(),
        "requested_at": pending.requested_at,
        "outcome": pending.outcome,
    }
    if access.social_services:
        body["reason"] = pending.reason
    return body


def case_shown(access: CaseAccess) -> dict[str, Any]:
    """The case as ``access`` lets its reader see it (no audit entry: the caller records).
    Custody and the guardians are family information: under ``identity`` like the youth."""
    case = access.case
    body = case_row(access)
    guardians = list(case.guardians.all()) if IDENTITY in access.categories else []
    if IDENTITY in access.categories:
        body["guardians"] = [{"id": g.pk, "name": g.name, "custodian": g.custodian} for g in guardians]
        body["custody"] = case.custody
        body["custody_unconfirmed"] = custody_unconfirmed(case)
    if NOTES in access.categories:
        body["summary"] = case.summary
    body["members"] = case_member_rows(case=case)
    body["categories"] = sorted(access.categories)
    body["outcome"] = case.outcome or None  # a plain column: why it was closed; null while open
    body["closure_request"] = closure_request_shown(access)
    if access.social_services:  # who see every category, identity included
        body["consent_givers"] = consent_givers_shown(access, guardians)
    return body


def sharing_shown(access: CaseAccess) -> dict[str, Any] | None:
    """What consent shares with the reader's agency now, in the words the web UI says it in
    ("Delas med Paulinska skolan: identitet, möten — t.o.m. 2027-05-01"): the agency, the
    categories, and the day the first consent it rests on ends. None for the social services that
    hold the case, who see everything on no consent. No query: the consents are loaded already."""
    if access.social_services:
        return None
    rests_on = set().union(*access.sharing.values()) if access.sharing else set()
    ends = [c.valid_until for c in access.consents().consents if c.pk in rests_on]
    return {
        "agency": access.profile.agency.name if access.profile.agency is not None else "",
        "categories": sorted(access.categories),
        "until": min(ends) if ends else None,
    }


def case_outline(*, reader: User, case_id: UUID | str) -> dict[str, Any]:
    """A case the reader is on the team of but may see nothing of under consent: its plain
    columns only (number, track, status, district, dates), for the web UI's case page to say what
    is withheld and to show what the reader may still see (a police participant's own visits).
    Nothing encrypted is read; nothing is recorded. 404 as ``case_access``."""
    access = case_access(user=reader, case_id=case_id)
    return {**case_columns(access.case), "categories": sorted(access.categories), "members": []}


def case_detail(
    *, reader: User, case_id: UUID | str, view: str = "case-detail", with_sharing: bool = False
) -> dict[str, Any]:
    """The case, if ``reader`` may open it (404) and may see something of it (403
    ``consent_required``). Records what it shows: identity and the summary (``notes``).
    ``with_sharing`` (the web UI's case page) adds ``sharing``: ``sharing_shown``."""
    access = case_access(user=reader, case_id=case_id)
    if not access.categories:
        raise ConsentRequired
    body = case_shown(access)
    if with_sharing:
        body["sharing"] = sharing_shown(access)
    record_shown(reader=reader, view=view, shown=[(access, set(access.categories) & {IDENTITY, NOTES})])
    return body


def case_page(*, reader: User, filters: Mapping[str, Any], page: PageRequest) -> Page[dict[str, Any]]:
    """A page of the cases ``reader`` may see, newest first, narrowed by ``filters`` (``status``,
    ``track``, ``district``; a bad value is a ``ValidationError`` naming it). Each row shows the
    youth only under ``identity``; the rows whose youth was shown are recorded."""
    filterset = CaseFilter(filters, queryset=case_list_for_user(user=reader))
    if not filterset.is_valid():
        raise ValidationError(filterset.errors)
    cases, count, number, num_pages = page_of(filterset.qs, page)
    profile = staff_profile(reader)
    accesses = case_accesses(profile=profile, cases=list(cases)) if profile is not None else []
    rows, shown = [], []
    for access in accesses:
        row, readable = case_row_or_unreadable(access, reader=reader)
        rows.append(row)
        shown.append((access, {IDENTITY} & access.categories if readable else set()))
    record_shown(reader=reader, view="case-list", shown=shown)
    return Page(items=rows, count=count, number=number, num_pages=num_pages)


def case_row_or_unreadable(access: CaseAccess, *, reader: User) -> tuple[dict[str, Any], bool]:
    """A list row, and whether its content could be read. A row whose encrypted content does not
    decrypt (a damaged value, a missing key) must not fail the whole list (issue 15): it is
    answered with its plain columns and ``unreadable: true``, nothing of its content, and an
    ``alert`` audit entry for the auditors (the error itself is logged, naming the row only)."""
    try:
        return case_row(access), True
    except DecryptionError:
        record(
            event=AuditEvent.ALERT,
            model=Case,
            object_pk=str(access.case.pk),
            case=access.case,
            actor=reader,
            extra={"code": "unreadable", "view": "case-list"},
        )
        return {**case_columns(access.case), "unreadable": True}, False
