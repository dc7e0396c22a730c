"""The subject access report (registerutdrag, GDPR art. 15): everything held about the youth and
the guardians in one case, and every access to it recorded in the audit log."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.utils import timezone

from audit.models import AuditEntry, AuditEvent
from audit.services import record
from cases.models import Case, StaffProfile
from cases.permissions import require_social_services
from consent.policy import NOTES, VISITS, consent_statuses
from consent.selectors import consents_of_case
from content.access import CaseAccess, case_access
from referrals.selectors import referrals_about


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def subject_report(*, access: CaseAccess, generated_by: User) -> dict[str, Any]:
    """Build the report for the case of ``access`` (its key loaded). Reads only this case's rows.

    Another agency's own information (the police's or a school's notes, visit notes, police links)
    is in it only as far as a consent lets the reader see it, like everywhere else; what is held
    back is counted under ``withheld`` so that the youth knows to ask that agency (each authority
    answers for its own records; LAW.md, "The person's rights")."""
    case = access.case
    youth = case.youth

    def shown(agency_id: Any, category: str) -> bool:
        return category in access.author_sharing(agency_id)

    visits = list(case.visits.prefetch_related("participants", "agency_notes__agency"))
    notes = list(case.notes.all())
    links = list(case.police_links.all())
    withheld = {
        "notes": sum(1 for n in notes if not shown(n.agency_id, n.category)),
        "visit_notes": sum(1 for v in visits for n in v.agency_notes.all() if not shown(n.agency_id, VISITS)),
        "police_links": sum(1 for p in links if not shown(p.agency_id, NOTES)),
    }
    statuses = consent_statuses(case=case)
    users = {u.pk: u.get_username() for u in get_user_model().objects.all().only("id", "username")}
    agencies = dict(StaffProfile.objects.filter(agency__isnull=False).values_list("user__username", "agency__name"))
    accesses = AuditEntry.objects.filter(case_ref=case.pk).order_by("timestamp", "id")
    return {
        "generated_at": _iso(timezone.now()),
        "generated_by": generated_by.get_username(),
        "case": {
            "number": case.number,
            "track": case.track,
            "status": case.status,
            "district": case.district,
            "opened_at": _iso(case.opened_at),
            "closed_at": _iso(case.closed_at),
            "summary": case.summary,
            "close_reason": case.close_reason,
            "outcome": case.outcome or None,
            "custody": case.custody,
        },
        "closure_requests": [
            {
                "outcome": r.outcome,
                "reason": r.reason,
                "status": r.status,
                "requested_by": users.get(r.requested_by_id),
                "requested_at": _iso(r.requested_at),
                "decided_by": users.get(r.decided_by_id) if r.decided_by_id else None,
                "decided_at": _iso(r.decided_at),
                "decision_reason": r.decision_reason,
            }
            for r in case.closure_requests.all()
        ],
        "reopenings": [
            {
                "reason": r.reason,
                "reopened_by": users.get(r.reopened_by_id),
                "reopened_at": _iso(r.reopened_at),
                "closed_at": _iso(r.closed_at),
                "outcome": r.outcome,
                "close_reason": r.close_reason,
            }
            for r in case.reopenings.all()
        ],
        "youth": {
            "given_name": youth.given_name,
            "family_name": youth.family_name,
            "personal_number": youth.personal_number,
            "address": youth.address,
            "protected_identity": youth.protected_identity,
        },
        "guardians": [
            {
                "name": g.name,
                "personal_number": g.personal_number,
                "phone": g.phone,
                "address": g.address,
                "custodian": g.custodian,
            }
            for g in case.guardians.all()
        ],
        "members": [
            {"username": m.user.get_username(), "role": m.role, "added_at": _iso(m.added_at)}
            for m in case.members.select_related("user")
        ],
        "consents": [
            {
                "giver": c.giver,
                "parties": [p.name for p in c.parties.all()],
                "categories": c.categories,
                "valid_from": _iso(c.valid_from),
                "valid_until": _iso(c.valid_until),
                "method": c.method,
                "document_reference": c.document_reference,
                "status": statuses[c.pk].status,
                "pending_reason": statuses[c.pk].reason,
                # The signed form is described, not attached: it is read on its own (audited).
                "evidence": (
                    {
                        "sha256": c.evidence_cached.sha256,
                        "content_type": c.evidence_cached.content_type,
                        "uploaded_at": _iso(c.evidence_cached.uploaded_at),
                        "verified_at": _iso(c.evidence_cached.verified_at),
                    }
                    if c.evidence_cached
                    else None
                ),
                "recorded_by": users.get(c.recorded_by_id),
                "withdrawn_at": _iso(c.withdrawal_cached.withdrawn_at) if c.withdrawal_cached else None,
                "withdrawal_reason": c.withdrawal_cached.reason if c.withdrawal_cached else None,
            }
            for c in consents_of_case(case=case)
        ],
        "meetings": [
            {
                "kind": m.kind,
                "held_at": _iso(m.held_at),
                "attendees": [users.get(u.pk) for u in m.attendees.all()],
                "present": m.present,
                "notes": m.notes,
                "actions": [
                    {
                        "agency": a.agency,
                        "responsible": a.responsible,
                        "responsible_user": users.get(a.responsible_user_id) if a.responsible_user_id else None,
                        "action": a.action,
                        "due_at": _iso(a.due_at),
                        "done_at": _iso(a.done_at),
                        "done_by": users.get(a.done_by_id) if a.done_by_id else None,
                    }
                    for a in m.actions.all()
                ],
            }
            for m in case.meetings.prefetch_related("actions", "attendees")
        ],
        "visits": [
            {
                "occurred_at": _iso(v.occurred_at),
                "participants": [users.get(p.pk) for p in v.participants.all()],
                "present": v.present,
                "source": v.source,
                "basis": v.basis,
                "family_told": v.family_told,
                "outcome": v.outcome,
                "informed_voluntary": v.informed_voluntary,
                "screening": {
                    "offered": v.screening_offered,
                    "accepted": v.screening_accepted,
                    "result": v.screening_result,
                },
                "support_offered": v.support_offered,
                "follow_up_at": _iso(v.follow_up_at),
                "agency_notes": [
                    {"agency": n.agency.kind, "text": n.text}
                    for n in v.agency_notes.all()
                    if shown(n.agency_id, VISITS)
                ],
            }
            for v in visits
        ],
        "notes": [
            {"category": n.category, "text": n.text, "author": users.get(n.author_id), "created_at": _iso(n.created_at)}
            for n in notes
            if shown(n.agency_id, n.category)
        ],
        "police_links": [
            {"reference": p.reference, "linked_by": users.get(p.linked_by_id), "linked_at": _iso(p.linked_at)}
            for p in links
            if shown(p.agency_id, NOTES)
        ],
        "withheld": withheld,
        # Concerns reported about the person (orosanmälningar), whichever case they led to.
        "referrals": [
            {
                "number": r.number,
                "received_at": _iso(r.received_at),
                "from": r.reporter_agency.name,
                "urgent": r.urgent,
                "concern": r.concern,
                "status": r.status,
                "decided_at": _iso(r.decided_at),
                "reason": r.decision_reason,
            }
            for r in referrals_about(index=youth.personal_number_index, personal_number=youth.personal_number)
            if r.reporter_agency_id is not None
        ],
        "disclosures": [
            {
                "agency": d.agency,
                "categories": d.categories,
                "basis": d.basis,
                "provision": d.provision,
                "disclosed_at": _iso(d.disclosed_at),
            }
            for d in case.disclosures.all()
        ],
        "accesses": [
            {
                "timestamp": _iso(e.timestamp),
                "actor": e.actor_username,
                "agency": agencies.get(e.actor_username, ""),
                "event": e.event,
                "what": e.fields_shown or e.changed_fields,
            }
            for e in accesses.iterator(chunk_size=2000)
        ],
    }


def subject_report_for_reader(*, reader: User, case_id: UUID | str) -> dict[str, Any]:
    """The registerutdrag of a case, for social services on its team (404 outsiders, 403 other
    members). Producing it is an ``export`` entry naming the case."""
    access = case_access(user=reader, case_id=case_id)
    require_social_services(reader)
    report = subject_report(access=access, generated_by=reader)
    record(
        event=AuditEvent.EXPORT, model=Case, object_pk=str(access.case.pk), case=access.case, fields=["subject_report"]
    )
    return report
