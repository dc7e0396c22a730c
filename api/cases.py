"""HTTP for cases: the list, a case, changing and closing it, lookup by personal number, legal
holds. Each view parses, calls one selector or service, and answers what the selector returned;
the content selectors (``content``) decide what is shown and record it."""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api import inputs
from api.common import jsonable, paged, user_of
from api.schema import PAGING, page_of
from cases import services
from cases.models import AgencyKind, CaseOutcome, CaseStatus, Custody, Role, Track
from cases.permissions import require_social_services
from content import case as case_content
from content.access import case_access, case_ids_by_personal_number
from content.referrals import referral_ids_by_personal_number
from oversight import legal_hold, reopen


class YouthOutput(serializers.Serializer):
    given_name = inputs.CharField()
    family_name = inputs.CharField()
    personal_number = inputs.CharField()
    address = inputs.CharField(required=False, help_text="Left out when the identity is protected.")
    protected_identity = inputs.BooleanField()


class GuardianOutput(serializers.Serializer):
    id = serializers.UUIDField()
    name = inputs.CharField()
    custodian = inputs.BooleanField(help_text="A custodian (vårdnadshavare): only custodians consent.")


class MemberOutput(serializers.Serializer):
    username = inputs.CharField()
    agency = serializers.ChoiceField(choices=AgencyKind.choices, help_text="The member's agency's kind.")
    agency_name = inputs.CharField()
    agency_id = serializers.UUIDField()
    role = serializers.ChoiceField(choices=Role.choices)


class GiverOutput(serializers.Serializer):
    giver = serializers.ChoiceField(choices=["guardian", "youth"])
    guardian = serializers.UUIDField(allow_null=True)


# ``required`` is also an attribute of every DRF field, so the serializer is declared by name.
def consent_givers_output() -> serializers.Serializer:
    return inline_serializer(
        name="ConsentGiversOutput",
        fields={
            "required": GiverOutput(many=True, help_text="Whose consent sharing needs now."),
            "blocked": inputs.CharField(allow_null=True, help_text="Why nothing can be shared, or null."),
        },
        required=False,
        help_text="Social services only: whose consent sharing needs now.",
    )


class CaseListOutput(serializers.Serializer):
    """A list row; ``youth`` only under ``identity``."""

    id = serializers.UUIDField()
    number = inputs.CharField()
    track = serializers.ChoiceField(choices=Track.choices)
    status = serializers.ChoiceField(choices=CaseStatus.choices)
    district = inputs.CharField()
    opened_at = inputs.DateTimeField()
    closed_at = inputs.DateTimeField(allow_null=True)
    version = inputs.IntegerField()
    youth = YouthOutput(required=False)
    unreadable = inputs.BooleanField(
        required=False,
        help_text="List rows only, and only when true: the case's content could not be decrypted; the row has "
        "its plain columns and no youth (an alert is in the audit log).",
    )


class ClosureRequestOutput(serializers.Serializer):
    requested_by = inputs.CharField()
    requested_at = inputs.DateTimeField()
    outcome = serializers.ChoiceField(choices=CaseOutcome.choices)
    reason = inputs.CharField(required=False, help_text="Social services only.")


class CaseDetailOutput(CaseListOutput):
    """The case; ``youth`` and ``guardians`` only under ``identity``, ``summary`` under ``notes``."""

    guardians = GuardianOutput(many=True, required=False)
    custody = serializers.ChoiceField(choices=Custody.choices, required=False)
    custody_unconfirmed = inputs.BooleanField(required=False)
    summary = inputs.CharField(required=False)
    members = MemberOutput(many=True)
    categories = serializers.ListField(child=inputs.CharField())
    consent_givers = consent_givers_output()
    outcome = serializers.ChoiceField(
        choices=CaseOutcome.choices, allow_null=True, help_text="Why the case was closed; null while it is open."
    )
    closure_request = ClosureRequestOutput(
        allow_null=True, help_text="The request to close the case waiting for a coordinator, or null."
    )


def case_response(body: dict[str, object], *, status_code: int = 200) -> Response:
    response = Response(jsonable(body), status=status_code)
    response["ETag"] = f'"{body["version"]}"'
    return response


class YouthInput(serializers.Serializer):
    personal_number = inputs.CharField(max_length=20)
    given_name = inputs.CharField(max_length=200)
    family_name = inputs.CharField(max_length=200)
    address = inputs.CharField(max_length=500, required=False, allow_blank=True)
    protected_identity = inputs.BooleanField(required=False, default=False)


class GuardianInput(serializers.Serializer):
    name = inputs.CharField(max_length=200)
    personal_number = inputs.CharField(max_length=20, required=False, allow_blank=True)
    phone = inputs.CharField(max_length=50, required=False, allow_blank=True)
    address = inputs.CharField(max_length=500, required=False, allow_blank=True)
    protected_identity = inputs.BooleanField(required=False, default=False)
    custodian = inputs.BooleanField(required=False, default=True)


# The case's version as an entity tag (``"7"``): answered with every case, required back in
# If-Match to change it (a stale one is 412, none 428).
def _etag(status: int, description: str) -> OpenApiParameter:
    return OpenApiParameter(
        "ETag",
        {"type": "string", "pattern": r'^"[0-9]+"$'},
        OpenApiParameter.HEADER,
        response=[status],
        description=description,
    )


ETAG = _etag(200, "The case's version, to send back in If-Match.")
ETAG_CREATED = _etag(201, "The new case's version, to send back in If-Match.")
IF_MATCH = OpenApiParameter(
    "If-Match",
    {"type": "string", "pattern": r'^(W/)?"[0-9]{1,18}"$'},
    OpenApiParameter.HEADER,
    required=True,
    description="The ETag of the case as last read.",
)


class CaseListApi(APIView):
    """GET: the caller's cases. POST: open a case (social services)."""

    @extend_schema_serializer(component_name="CaseCreateInput")
    class InputSerializer(serializers.Serializer):
        track = serializers.ChoiceField(choices=Track.choices)
        youth = YouthInput()
        # DRF hands max_length to the ListSerializer that many=True builds; its stubs omit it.
        guardians = GuardianInput(many=True, required=False, max_length=10)  # type: ignore[call-arg]
        district = inputs.CharField(max_length=100)
        summary = inputs.CharField(max_length=100_000, required=False, allow_blank=True)
        custody = serializers.ChoiceField(choices=Custody.choices, required=False, default=Custody.UNKNOWN)

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=CaseStatus.values),
            OpenApiParameter("track", str, enum=Track.values),
            OpenApiParameter("district", str),
            *PAGING,
        ],
        responses=page_of(CaseListOutput),
        operation_id="v1_cases_list",
        summary="List the cases the caller is on the team of",
    )
    def get(self, request: Request) -> Response:
        return paged(request, case_content.case_page, reader=user_of(request), filters=request.query_params)

    @extend_schema(
        request=InputSerializer, responses={201: CaseDetailOutput}, parameters=[ETAG_CREATED], summary="Open a case"
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = services.case_open(actor=user_of(request), **data.validated_data)
        body = case_content.case_detail(reader=user_of(request), case_id=case.pk, view="case-open")
        return case_response(body, status_code=status.HTTP_201_CREATED)


# An entity tag as the case answers it (``"7"``), or its weak form; the schema gives the same.
ENTITY_TAG = re.compile(r'(W/)?"([0-9]{1,18})"')
MSG_IF_MATCH = _('If-Match holds the ETag the case was read with, such as "7".')


def if_match_version(request: Request) -> int | None:
    """The version in ``If-Match`` (``"7"``, ``W/"7"``); None when absent (428 where required);
    anything that is not an entity tag is a 400 (it used to be taken as stale, a 412)."""
    header = request.headers.get("If-Match", "").strip()
    if not header:
        return None
    found = ENTITY_TAG.fullmatch(header)
    if found is None:
        raise serializers.ValidationError({"If-Match": [MSG_IF_MATCH]})
    return int(found.group(2))


class CaseDetailApi(APIView):
    """GET the case; PATCH district, summary or custody with If-Match (lost-update protection)."""

    @extend_schema_serializer(component_name="CasePatchInput")
    class InputSerializer(serializers.Serializer):
        district = inputs.CharField(max_length=100, required=False)
        summary = inputs.CharField(max_length=100_000, required=False, allow_blank=True)
        custody = serializers.ChoiceField(choices=Custody.choices, required=False)

    @extend_schema(responses=CaseDetailOutput, parameters=[ETAG], summary="Read a case")
    def get(self, request: Request, case_id: str) -> Response:
        return case_response(case_content.case_detail(reader=user_of(request), case_id=case_id))

    @extend_schema(
        request=InputSerializer,
        responses=CaseDetailOutput,
        parameters=[IF_MATCH, ETAG],
        summary="Change a case (If-Match required)",
    )
    def patch(self, request: Request, case_id: str) -> Response:
        access = case_access(user=user_of(request), case_id=case_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.case_update(
            actor=user_of(request),
            case=access.case,
            expected_version=if_match_version(request),
            changes=data.validated_data,
        )
        return case_response(case_content.case_detail(reader=user_of(request), case_id=case_id, view="case-update"))


class ClosureRequestedOutput(serializers.Serializer):
    status = serializers.ChoiceField(choices=["closure_requested"])


class CaseCloseApi(APIView):
    """Close a case (a coordinator: 200), or ask a coordinator to (the owning social worker, while
    CASE_CLOSURE_NEEDS_APPROVAL is on: 202)."""

    @extend_schema_serializer(component_name="CaseCloseInput")
    class InputSerializer(serializers.Serializer):
        reason = inputs.CharField(max_length=10_000)
        outcome = serializers.ChoiceField(choices=CaseOutcome.choices, default=CaseOutcome.OTHER)

    @extend_schema(
        request=InputSerializer,
        responses={200: CaseDetailOutput, 202: ClosureRequestedOutput},
        parameters=[ETAG],
        summary="Close a case, or request its closure",
    )
    def post(self, request: Request, case_id: str) -> Response:
        access = case_access(user=user_of(request), case_id=case_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = services.case_close(actor=user_of(request), case=access.case, **data.validated_data)
        if case.status != CaseStatus.CLOSED:
            return Response({"status": "closure_requested"}, status=status.HTTP_202_ACCEPTED)
        return case_response(case_content.case_detail(reader=user_of(request), case_id=case_id, view="case-close"))


class CaseCloseApproveApi(APIView):
    """Approve the pending closure request (a coordinator on the team other than the requester)."""

    @extend_schema(
        request=None, responses=CaseDetailOutput, parameters=[ETAG], summary="Approve the request to close a case"
    )
    def post(self, request: Request, case_id: str) -> Response:
        access = case_access(user=user_of(request), case_id=case_id)
        services.case_closure_approve(actor=user_of(request), case=access.case)
        return case_response(
            case_content.case_detail(reader=user_of(request), case_id=case_id, view="case-close-approve")
        )


class CaseCloseRejectApi(APIView):
    """Reject the pending closure request, with a reason: the case stays open."""

    @extend_schema_serializer(component_name="CaseCloseRejectInput")
    class InputSerializer(serializers.Serializer):
        reason = inputs.CharField(max_length=10_000)

    @extend_schema(
        request=InputSerializer,
        responses=CaseDetailOutput,
        parameters=[ETAG],
        summary="Reject the request to close a case",
    )
    def post(self, request: Request, case_id: str) -> Response:
        access = case_access(user=user_of(request), case_id=case_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.case_closure_reject(actor=user_of(request), case=access.case, reason=data.validated_data["reason"])
        return case_response(
            case_content.case_detail(reader=user_of(request), case_id=case_id, view="case-close-reject")
        )


class CaseReopenApi(APIView):
    """Reopen a closed case within its retention period (a coordinator on the team), with a reason."""

    @extend_schema_serializer(component_name="CaseReopenInput")
    class InputSerializer(serializers.Serializer):
        reason = inputs.CharField(max_length=10_000)

    @extend_schema(
        request=InputSerializer, responses=CaseDetailOutput, parameters=[ETAG], summary="Reopen a closed case"
    )
    def post(self, request: Request, case_id: str) -> Response:
        access = case_access(user=user_of(request), case_id=case_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        reopen.case_reopen(actor=user_of(request), case=access.case, reason=data.validated_data["reason"])
        return case_response(case_content.case_detail(reader=user_of(request), case_id=case_id, view="case-reopen"))


class YouthLookupApi(APIView):
    """Find the caller's cases about a person by personal number (POST: never in a URL)."""

    @extend_schema_serializer(component_name="YouthLookupInput")
    class InputSerializer(serializers.Serializer):
        personal_number = inputs.CharField(max_length=20)

    @extend_schema_serializer(component_name="YouthLookupOutput")
    class OutputSerializer(serializers.Serializer):
        cases = serializers.ListField(child=serializers.UUIDField())
        referrals = serializers.ListField(
            child=serializers.UUIDField(), help_text="Referrals (orosanmälan) about the person, oldest first."
        )

    @extend_schema(
        request=InputSerializer, responses=OutputSerializer, summary="Look up cases and referrals by personal number"
    )
    def post(self, request: Request) -> Response:
        require_social_services(user_of(request))  # 403 before the body is even looked at
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        number = data.validated_data["personal_number"]
        ids = case_ids_by_personal_number(user=user_of(request), personal_number=number)
        referrals = referral_ids_by_personal_number(user=user_of(request), personal_number=number)
        return Response(jsonable({"cases": ids, "referrals": referrals}))


class LegalHoldOutput(serializers.Serializer):
    id = serializers.UUIDField()
    reason = inputs.CharField()
    placed_by = inputs.CharField(source="placed_by.username")
    placed_at = inputs.DateTimeField()
    released_by = inputs.CharField(source="released_by.username", allow_null=True, default=None)
    released_at = inputs.DateTimeField(allow_null=True)


class LegalHoldApi(APIView):
    """Place (POST) or release (DELETE) a legal hold: a held case is never purged."""

    @extend_schema_serializer(component_name="LegalHoldInput")
    class InputSerializer(serializers.Serializer):
        reason = inputs.CharField(max_length=10_000)

    @extend_schema(request=InputSerializer, responses={201: LegalHoldOutput}, summary="Place a legal hold")
    def post(self, request: Request, case_id: str) -> Response:
        access = case_access(user=user_of(request), case_id=case_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        hold = legal_hold.legal_hold_place(
            actor=user_of(request), case=access.case, reason=data.validated_data["reason"]
        )
        return Response(LegalHoldOutput(hold).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: LegalHoldOutput}, summary="Release the legal hold")
    def delete(self, request: Request, case_id: str) -> Response:
        access = case_access(user=user_of(request), case_id=case_id)
        hold = legal_hold.legal_hold_release(actor=user_of(request), case=access.case)
        return Response(LegalHoldOutput(hold).data)
