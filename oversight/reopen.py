"""Reopening a closed case: a coordinator's act on their own team, with a reason, while the case's
retention period runs (counted as the purge counts it: from the case's last entry,
``oversight.purge.with_last_entry``). Past it the case stays closed, waiting for gallring."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.errors import Conflict
from cases.models import Case, CaseOutcome, CaseReopening, CaseStatus
from cases.permissions import require_coordinator_member
from cases.services import MSG_CLOSURE_COORDINATORS
from oversight.purge import with_last_entry

MSG_NOT_CLOSED = _("The case is open.")
MSG_RETENTION_PASSED = _("The case's retention period has run out: it can no longer be reopened.")


def retention_ends(case: Case) -> datetime | None:
    """When a closed case's retention period runs out: ``CASE_RETENTION_YEARS`` of its track after
    its last entry (the purge's clock); None while it is open."""
    if case.status != CaseStatus.CLOSED:
        return None
    # The annotation is built at run time (``with_last_entry``): read as an attribute.
    annotated = with_last_entry(Case.objects.filter(pk=case.pk).only("pk", "closed_at")).first()
    last_entry: datetime | None = getattr(annotated, "last_entry", None)
    if last_entry is None:
        return None
    years = settings.CASE_RETENTION_YEARS[case.track]
    try:
        return last_entry.replace(year=last_entry.year + years)
    except ValueError:  # 29 February
        return last_entry.replace(year=last_entry.year + years, day=28)


@transaction.atomic
def case_reopen(*, actor: User, case: Case, reason: str) -> CaseReopening:
    """Open a closed case again (a coordinator on the team: 403 for anyone else, emergency access
    included), with a reason, within its retention period. The reopening keeps when and how the
    case had been closed and the reason given then; the case is open again with no outcome. An
    open case (``case_open``) or one past its retention (``retention_passed``) is a conflict.
    Audited by the reopening's create entry and the case's update entry (field names only)."""
    require_coordinator_member(actor, case, MSG_CLOSURE_COORDINATORS)
    locked = Case.objects.select_for_update(of=("self",)).select_related("key").get(pk=case.pk)
    ends = retention_ends(locked)
    if locked.closed_at is None or ends is None:
        raise Conflict(MSG_NOT_CLOSED, code="case_open")
    if ends <= timezone.now():
        raise Conflict(MSG_RETENTION_PASSED, code="retention_passed")
    reopening = CaseReopening(
        case=locked,
        reason=reason,
        reopened_by=actor,
        closed_at=locked.closed_at,
        outcome=locked.outcome or CaseOutcome.OTHER,
        close_reason=locked.close_reason or "",
    )
    reopening.full_clean(exclude=["case", "reopened_by"])
    reopening.save()
    locked.status = CaseStatus.OPEN
    locked.closed_at = None
    locked.close_reason = None
    locked.outcome = ""
    locked.version += 1
    locked.full_clean(exclude=["owning_agency", "owner"])
    locked.save()
    return reopening
