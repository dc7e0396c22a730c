"""Writes of the case core. Each service takes the acting user first, runs in one transaction,
validates before it saves and raises Django's ValidationError / PermissionDenied (mapped to 400 /
403 by the API and shown next to the field by the UI).

Authorisation here is the second line: callers fetch the case through the case selector
(``content.access``: 404 for outsiders) and the services check the caller's role for the
operation (``cases.permissions``).
"""

from __future__ import annotations

from cases.permissions import MSG_CASE_CLOSED, MSG_SOCIAL_SERVICES_ONLY, MSG_TEAM_MANAGERS_ONLY
from cases.services.lifecycle import MSG_AGE_TRACK, MSG_ALREADY_CLOSED, case_close, case_open, case_update
from cases.services.records import (
    MSG_DUPLICATE,
    MSG_FUTURE,
    MSG_PARTICIPANT_NOT_MEMBER,
    MSG_SCREENING_ACCEPT_WITHOUT_OFFER,
    MSG_VISIT_NEEDS_BOTH,
    MSG_VISIT_NOTE_WRITERS,
    MSG_VISIT_WRITERS,
    meeting_record,
    note_add,
    visit_note_add,
    visit_record,
)
from cases.services.team import (
    MSG_ALREADY_MEMBER,
    MSG_NOT_MEMBER,
    MSG_NOT_TEAM_ROLE,
    MSG_OWNER_STAYS,
    MSG_ROLE_MISMATCH,
    MSG_UNKNOWN_USER,
    case_member_add,
    case_member_remove,
    guardian_add,
    staff_create,
)

__all__ = [
    "MSG_AGE_TRACK",
    "MSG_ALREADY_CLOSED",
    "MSG_ALREADY_MEMBER",
    "MSG_CASE_CLOSED",
    "MSG_DUPLICATE",
    "MSG_FUTURE",
    "MSG_NOT_MEMBER",
    "MSG_NOT_TEAM_ROLE",
    "MSG_OWNER_STAYS",
    "MSG_PARTICIPANT_NOT_MEMBER",
    "MSG_ROLE_MISMATCH",
    "MSG_SCREENING_ACCEPT_WITHOUT_OFFER",
    "MSG_SOCIAL_SERVICES_ONLY",
    "MSG_TEAM_MANAGERS_ONLY",
    "MSG_UNKNOWN_USER",
    "MSG_VISIT_NEEDS_BOTH",
    "MSG_VISIT_NOTE_WRITERS",
    "MSG_VISIT_WRITERS",
    "case_close",
    "case_member_add",
    "case_member_remove",
    "case_open",
    "case_update",
    "guardian_add",
    "meeting_record",
    "note_add",
    "staff_create",
    "visit_note_add",
    "visit_record",
]
