"""Legal holds (a records request, an investigation): a held case is never purged. Placing and
releasing one is a coordinator's act on their own team, and each is audited."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.models import AuditEvent
from audit.services import record
from cases.errors import Conflict
from cases.models import Case, LegalHold
from cases.permissions import require_coordinator_member

MSG_NO_HOLD = _("The case has no legal hold in force.")


@transaction.atomic
def legal_hold_place(*, actor: User, case: Case, reason: str) -> LegalHold:
    """Keep the case from being purged (coordinators on the team). Audited."""
    require_coordinator_member(actor, case)
    hold = LegalHold(case=case, reason=reason, placed_by=actor)
    hold.full_clean(exclude=["case", "placed_by", "released_by"])
    hold.save()
    record(event=AuditEvent.LEGAL_HOLD, model=Case, object_pk=str(case.pk), case=case, extra={"step": "placed"})
    return hold


@transaction.atomic
def legal_hold_release(*, actor: User, case: Case) -> LegalHold:
    """Release the hold in force (coordinators on the team); none in force is a conflict. Audited."""
    require_coordinator_member(actor, case)
    hold = LegalHold.objects.select_for_update().filter(case=case, released_at__isnull=True).first()
    if hold is None:
        raise Conflict(MSG_NO_HOLD, code="no_legal_hold")
    hold.released_by = actor
    hold.released_at = timezone.now()
    hold.save()
    record(event=AuditEvent.LEGAL_HOLD, model=Case, object_pk=str(case.pk), case=case, extra={"step": "released"})
    return hold
