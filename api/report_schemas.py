"""The shapes of the reports the API answers as built dicts (issue 18: no free-form objects in
the schema): the yearly figures, a frozen year, the coordinators' consent report and the subject
access report (registerutdrag). The views answer what oversight and consent build; these
serializers describe it for drf-spectacular, and every answer the suite sees is checked against
them (tests/contract.py)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api import inputs
from cases.models import CaseOutcome, CaseStatus, Custody, MeetingKind, Track
from consent.models import DisclosureBasis
from consent.policy import CATEGORIES
from oversight.statistics import PROTECTING, SUPPRESSED


@extend_schema_field(
    {
        "oneOf": [{"type": "integer", "minimum": 0}, {"type": "string", "enum": [SUPPRESSED, PROTECTING]}],
        "description": f'A count; "{SUPPRESSED}" where a small cell is suppressed, "{PROTECTING}" where a figure '
        "is hidden so that no suppressed one can be worked out (docs/statistics.md).",
    }
)
class CountField(serializers.Field):
    """Output only: a count or the suppression mark."""


@extend_schema_field(
    {
        "oneOf": [{"type": "number", "minimum": 0}, {"type": "string", "enum": [SUPPRESSED]}],
        "nullable": True,
        "description": f'Days; "{SUPPRESSED}" over too few cases; null when there were none.',
    }
)
class MedianField(serializers.Field):
    """Output only: a median in days, the suppression mark, or null."""


def _table(help_text: str) -> serializers.DictField:
    return serializers.DictField(child=serializers.DictField(child=CountField()), help_text=help_text)


class FrozenOutput(serializers.Serializer):
    at = inputs.DateTimeField()
    by = inputs.CharField(help_text="The coordinator's username.")


class StatsSummaryOutput(serializers.Serializer):
    year = inputs.IntegerField()
    cases_opened = _table("Track (and `total`) to district (and `total`) to count.")
    cases_closed = _table("Track (and `total`) to district (and `total`) to count.")
    home_visits = CountField()
    sspf_meetings = CountField()
    consents_given = CountField()
    consents_withdrawn = CountField()
    consent_forms_verified = CountField()
    median_days_to_first_meeting_or_visit = MedianField()
    referrals_by_source_and_decision = _table("Source agency kind (and `total`) to decision (and `total`) to count.")
    cases_by_outcome = serializers.DictField(child=CountField(), help_text="Outcome to count.")
    visits_screening_offered = CountField()
    visits_screening_accepted = CountField()
    meetings_by_kind = serializers.DictField(child=CountField(), help_text="Meeting kind to count.")
    action_items_done = CountField()
    action_items_overdue = CountField()
    unique_youths = CountField()
    district = inputs.CharField(allow_null=True)
    frozen = FrozenOutput(required=False, help_text="Once the year is signed off: when and by whom.")


class FrozenYearOutput(StatsSummaryOutput):
    frozen = FrozenOutput()


class ExpiringConsentOutput(serializers.Serializer):
    case = serializers.UUIDField()
    number = inputs.CharField()
    consent = serializers.UUIDField()
    valid_until = inputs.DateTimeField()


class StoppedByAgeOutput(serializers.Serializer):
    case = serializers.UUIDField()
    number = inputs.CharField()
    agency = inputs.CharField(allow_null=True, help_text="The party's agency kind.")
    agency_id = serializers.UUIDField()
    categories = serializers.ListField(child=serializers.ChoiceField(choices=sorted(CATEGORIES)))
    age = inputs.IntegerField(help_text="The age at which sharing changed.")
    since = inputs.DateField()


class ConsentReportOutput(serializers.Serializer):
    expiring = ExpiringConsentOutput(many=True)
    stopped_by_age = StoppedByAgeOutput(many=True)


# The subject access report. Times are ISO 8601; a username is null only if its account is gone.
def _when() -> inputs.DateTimeField:
    return inputs.DateTimeField(allow_null=True)


def _who() -> inputs.CharField:
    return inputs.CharField(allow_null=True, help_text="A username.")


class ReportCaseOutput(serializers.Serializer):
    number = inputs.CharField()
    track = serializers.ChoiceField(choices=Track.choices)
    status = serializers.ChoiceField(choices=CaseStatus.choices)
    district = inputs.CharField()
    opened_at = inputs.DateTimeField()
    closed_at = _when()
    summary = inputs.CharField()
    close_reason = inputs.CharField(allow_null=True)
    outcome = serializers.ChoiceField(choices=CaseOutcome.choices, allow_null=True)
    custody = serializers.ChoiceField(choices=Custody.choices)


class ReportClosureRequestOutput(serializers.Serializer):
    outcome = inputs.CharField()
    reason = inputs.CharField()
    status = inputs.CharField()
    requested_by = _who()
    requested_at = inputs.DateTimeField()
    decided_by = _who()
    decided_at = _when()
    decision_reason = inputs.CharField()


class ReportReopeningOutput(serializers.Serializer):
    reason = inputs.CharField()
    reopened_by = _who()
    reopened_at = inputs.DateTimeField()
    closed_at = _when()
    outcome = inputs.CharField()
    close_reason = inputs.CharField()


class ReportYouthOutput(serializers.Serializer):
    given_name = inputs.CharField()
    family_name = inputs.CharField()
    personal_number = inputs.CharField()
    address = inputs.CharField()
    protected_identity = inputs.BooleanField()


class ReportGuardianOutput(serializers.Serializer):
    name = inputs.CharField()
    personal_number = inputs.CharField()
    phone = inputs.CharField()
    address = inputs.CharField()
    custodian = inputs.BooleanField()


class ReportMemberOutput(serializers.Serializer):
    username = inputs.CharField()
    role = inputs.CharField()
    added_at = inputs.DateTimeField()


class ReportEvidenceOutput(serializers.Serializer):
    content_type = inputs.CharField()
    uploaded_at = inputs.DateTimeField()
    verified_at = _when()


class ReportConsentOutput(serializers.Serializer):
    giver = inputs.CharField()
    parties = serializers.ListField(child=inputs.CharField(), help_text="The parties' names.")
    categories = serializers.ListField(child=inputs.CharField())
    valid_from = inputs.DateTimeField()
    valid_until = inputs.DateTimeField()
    method = inputs.CharField()
    document_reference = inputs.CharField()
    status = inputs.CharField()
    pending_reason = inputs.CharField(allow_null=True)
    evidence = ReportEvidenceOutput(allow_null=True)
    recorded_by = _who()
    withdrawn_at = _when()
    withdrawal_reason = inputs.CharField(allow_null=True)


class ReportActionOutput(serializers.Serializer):
    agency = inputs.CharField()
    responsible = inputs.CharField()
    responsible_user = _who()
    action = inputs.CharField()
    due_at = inputs.DateField(allow_null=True)
    done_at = inputs.DateField(allow_null=True)
    done_by = _who()


class ReportMeetingOutput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=MeetingKind.choices)
    held_at = inputs.DateTimeField()
    attendees = serializers.ListField(child=_who())
    present = serializers.ListField(child=inputs.CharField())
    notes = inputs.CharField()
    actions = ReportActionOutput(many=True)


class ReportScreeningOutput(serializers.Serializer):
    offered = inputs.BooleanField(allow_null=True)
    accepted = inputs.BooleanField(allow_null=True)
    result = inputs.CharField()


class ReportVisitNoteOutput(serializers.Serializer):
    agency = inputs.CharField()
    text = inputs.CharField()


class ReportVisitOutput(serializers.Serializer):
    occurred_at = inputs.DateTimeField()
    participants = serializers.ListField(child=_who())
    present = serializers.ListField(child=inputs.CharField())
    source = inputs.CharField()  # type: ignore[assignment]  # the field, not Field.source: DRF takes it out
    basis = inputs.CharField()
    family_told = inputs.CharField()
    outcome = inputs.CharField()
    informed_voluntary = inputs.BooleanField(allow_null=True)
    screening = ReportScreeningOutput()
    support_offered = inputs.CharField()
    follow_up_at = inputs.DateField(allow_null=True)
    agency_notes = ReportVisitNoteOutput(many=True)


class ReportNoteOutput(serializers.Serializer):
    category = inputs.CharField()
    text = inputs.CharField()
    author = _who()
    created_at = inputs.DateTimeField()


class ReportPoliceLinkOutput(serializers.Serializer):
    reference = inputs.CharField()
    linked_by = _who()
    linked_at = inputs.DateTimeField()


class ReportWithheldOutput(serializers.Serializer):
    notes = inputs.IntegerField(min_value=0)
    visit_notes = inputs.IntegerField(min_value=0)
    police_links = inputs.IntegerField(min_value=0)


class ReportReferralOutput(serializers.Serializer):
    number = inputs.CharField()
    received_at = inputs.DateTimeField()
    # ``from`` is a Python keyword: the field is named in the serializer's fields below.
    urgent = inputs.BooleanField()
    concern = inputs.CharField()
    status = inputs.CharField()
    decided_at = _when()
    reason = inputs.CharField(allow_null=True)

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = dict(super().get_fields())
        first = {name: fields.pop(name) for name in ("number", "received_at")}
        return {**first, "from": inputs.CharField(help_text="The reporting agency's name."), **fields}


class ReportDisclosureOutput(serializers.Serializer):
    agency = inputs.CharField()
    categories = serializers.ListField(child=inputs.CharField())
    basis = serializers.ChoiceField(choices=DisclosureBasis.choices)
    provision = inputs.CharField()
    disclosed_at = inputs.DateTimeField()


class ReportAccessOutput(serializers.Serializer):
    timestamp = inputs.DateTimeField()
    actor = inputs.CharField(help_text="Empty where the actor is not named to the person.")
    agency = inputs.CharField()
    event = inputs.CharField()
    what = serializers.ListField(child=inputs.CharField(), help_text="The fields shown or changed, by name.")


class SubjectReportOutput(serializers.Serializer):
    generated_at = inputs.DateTimeField()
    generated_by = inputs.CharField()
    case = ReportCaseOutput()
    closure_requests = ReportClosureRequestOutput(many=True)
    reopenings = ReportReopeningOutput(many=True)
    youth = ReportYouthOutput()
    guardians = ReportGuardianOutput(many=True)
    members = ReportMemberOutput(many=True)
    consents = ReportConsentOutput(many=True)
    meetings = ReportMeetingOutput(many=True)
    visits = ReportVisitOutput(many=True)
    notes = ReportNoteOutput(many=True)
    police_links = ReportPoliceLinkOutput(many=True)
    withheld = ReportWithheldOutput(help_text="Other agencies' records not shown (no consent): ask them.")
    referrals = ReportReferralOutput(many=True)
    disclosures = ReportDisclosureOutput(many=True)
    accesses = ReportAccessOutput(many=True)
