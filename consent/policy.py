"""The one policy that answers "may this team member see category C of case X now?".

Social services on the team see every category of their cases. Every other agency sees only what
a valid consent shares with it (OSL 12 kap. 2 §; docs/access-control.md). Consent records are
built by the consent issue; until a case has them nothing is shared, which is the deny-by-default
answer, not a placeholder. This module is the only place that answers the question: the case
selector and every view ask it, none decides on its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

from cases.models import SOCIAL_SERVICES_ROLES, Case, StaffProfile

IDENTITY = "identity"
MEETINGS = "meetings"
VISITS = "visits"
NOTES = "notes"
CATEGORIES: frozenset[str] = frozenset({IDENTITY, MEETINGS, VISITS, NOTES})
NOTHING: frozenset[str] = frozenset()


def categories_for_cases(
    *, profile: StaffProfile, cases: Iterable[Case], at: datetime | None = None
) -> dict[UUID, frozenset[str]]:
    """Categories ``profile`` may see on each of ``cases`` (which must already be on its team).

    Takes the whole page at once so the answer costs a bounded number of queries however many
    cases are shown.
    """
    if profile.role in SOCIAL_SERVICES_ROLES:
        return {case.pk: CATEGORIES for case in cases}
    return {case.pk: NOTHING for case in cases}


def categories_for_case(*, profile: StaffProfile, case: Case, at: datetime | None = None) -> frozenset[str]:
    return categories_for_cases(profile=profile, cases=[case], at=at)[case.pk]
