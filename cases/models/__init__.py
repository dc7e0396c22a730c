"""Domain model: agencies and staff, youths and guardians, cases and their teams, SSPF meetings,
Linköpingsmodellen home visits, notes and police links.

Personal data and free text live in ``EncryptedTextField`` columns, encrypted under the case's own
data key (``CaseKey``). No ``__str__`` contains personal data: django-auditlog and admin show it.
"""

from __future__ import annotations

from cases.models.case import (
    Case,
    CaseGrantManager,
    CaseKey,
    CaseMember,
    CaseNumberSequence,
    CaseOutcome,
    CaseStatus,
    CaseUserObjectPermission,
    Custody,
    SystemKey,
    SystemKeyOwner,
    Track,
)
from cases.models.closure import CaseReopening, ClosureRequest, ClosureRequestStatus
from cases.models.people import Guardian, Youth
from cases.models.records import (
    ActionItem,
    HomeVisit,
    LegalHold,
    Meeting,
    MeetingKind,
    Note,
    NoteCategory,
    PoliceLink,
    PresentRole,
    VisitNote,
)
from cases.models.staff import (
    NO_CONTENT_ROLES,
    PNR_INDEX_PURPOSE,
    ROLE_AGENCY_KIND,
    SOCIAL_SERVICES_ROLES,
    TEAM_ROLES,
    VIEW_CASE,
    Agency,
    AgencyKind,
    Role,
    StaffProfile,
)

__all__ = [
    "NO_CONTENT_ROLES",
    "PNR_INDEX_PURPOSE",
    "ROLE_AGENCY_KIND",
    "SOCIAL_SERVICES_ROLES",
    "TEAM_ROLES",
    "VIEW_CASE",
    "ActionItem",
    "Agency",
    "AgencyKind",
    "Case",
    "CaseGrantManager",
    "CaseKey",
    "CaseMember",
    "CaseNumberSequence",
    "CaseOutcome",
    "CaseReopening",
    "CaseStatus",
    "CaseUserObjectPermission",
    "ClosureRequest",
    "ClosureRequestStatus",
    "Custody",
    "Guardian",
    "HomeVisit",
    "LegalHold",
    "Meeting",
    "MeetingKind",
    "Note",
    "NoteCategory",
    "PoliceLink",
    "PresentRole",
    "Role",
    "StaffProfile",
    "SystemKey",
    "SystemKeyOwner",
    "Track",
    "VisitNote",
    "Youth",
]
