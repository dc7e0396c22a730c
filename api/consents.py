"""HTTP for consent, emergency access and the coordinators' consent report."""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api import inputs
from api.common import NumberedPages, jsonable, paged, user_of
from api.parsers import EvidenceMultiPartParser
from api.report_schemas import ConsentReportOutput
from api.schema import PAGING, page_of
from audit.models import AuditEntry, AuditEvent
from audit.services import record
from cases.models import AgencyKind, CaseStatus, Role
from cases.permissions import require_role, require_social_services
from consent import disclosures, evidence, reports, services
from consent.models import EvidenceType, Giver, Method
from consent.policy import PENDING_REASONS
from content import consents as content_consents
from content.access import case_access, case_for_emergency_access, case_queryset_for_user, require_emergency_reader

MSG_CONSENT_REPORT_COORDINATORS = _("Only SSPF coordinators may read this report.")
MSG_REGISTER_AUDITORS = _("Only auditors may read the whole register.")


class PartyOutput(serializers.Serializer):
    id = serializers.UUIDField()
    name = inputs.CharField()
    kind = serializers.ChoiceField(choices=AgencyKind.choices)


class PendingReasonOutput(serializers.Serializer):
    code = serializers.ChoiceField(choices=sorted(PENDING_REASONS))
    message = inputs.CharField()


class EvidenceOutput(serializers.Serializer):
    sha256 = inputs.CharField()
    size = inputs.IntegerField()
    content_type = serializers.ChoiceField(choices=EvidenceType.values)
    uploaded_by = inputs.CharField()
    uploaded_at = inputs.DateTimeField()
    verified_by = inputs.CharField(allow_null=True)
    verified_at = inputs.DateTimeField(allow_null=True)


class ConsentOutput(serializers.Serializer):
    id = serializers.UUIDField()
    case = serializers.UUIDField()
    giver = inputs.CharField()
    guardian = serializers.UUIDField(allow_null=True)
    agencies = serializers.ListField(child=inputs.CharField(), help_text="The kinds of the parties (v1).")
    parties = PartyOutput(many=True, help_text="The named parties, the case's own social services included.")
    categories = serializers.ListField(child=inputs.CharField())
    valid_from = inputs.DateTimeField()
    valid_until = inputs.DateTimeField()
    method = inputs.CharField()
    document_reference = inputs.CharField()
    recorded_by = inputs.CharField()
    recorded_at = inputs.DateTimeField()
    status = serializers.ChoiceField(choices=["active", "pending", "expired", "withdrawn"])
    pending_reason = PendingReasonOutput(allow_null=True, help_text="Why a pending consent shares nothing yet.")
    evidence = EvidenceOutput(allow_null=True, help_text="The signed form's metadata, or null.")
    withdrawn_at = inputs.DateTimeField(allow_null=True)
    withdrawal_reason = inputs.CharField(allow_null=True)


class CaseConsentListApi(APIView):
    """Consents of a case (social services on the team): GET the history, POST a new consent."""

    @extend_schema_serializer(component_name="ConsentCreateInput")
    class InputSerializer(serializers.Serializer):
        giver = serializers.ChoiceField(choices=Giver.choices)
        guardian = serializers.UUIDField(required=False, allow_null=True)
        agencies = serializers.ListField(
            child=inputs.CharField(max_length=30),
            max_length=10,
            required=False,
            help_text="Agency kinds (v1): resolved to the agencies of those kinds on the team now.",
        )
        parties = serializers.ListField(
            child=serializers.UUIDField(), max_length=20, required=False, help_text="Agency ids (named parties)."
        )
        categories = serializers.ListField(child=inputs.CharField(max_length=30), max_length=10)
        valid_from = inputs.DateTimeField()
        valid_until = inputs.DateTimeField()
        method = serializers.ChoiceField(choices=Method.choices)
        document_reference = inputs.CharField(max_length=500, required=False, allow_blank=True)

    @extend_schema(responses=ConsentOutput(many=True), summary="List a case's consents with their status")
    def get(self, request: Request, case_id: str) -> Response:
        return Response(jsonable(content_consents.consents_for_reader(reader=user_of(request), case_id=case_id)))

    @extend_schema(request=InputSerializer, responses={201: ConsentOutput}, summary="Record a consent")
    def post(self, request: Request, case_id: str) -> Response:
        access = case_access(user=user_of(request), case_id=case_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        consent = services.consent_record(actor=user_of(request), case=access.case, **data.validated_data)
        # The consent as recorded, its status now; its own create entry records it.
        (body,) = content_consents.consents_shown(case=access.case, only=consent.pk)
        return Response(jsonable(body), status=status.HTTP_201_CREATED)


class ConsentWithdrawApi(APIView):
    @extend_schema_serializer(component_name="ConsentWithdrawInput")
    class InputSerializer(serializers.Serializer):
        reason = inputs.CharField(max_length=10_000)

    @extend_schema(request=InputSerializer, responses=ConsentOutput, summary="Withdraw a consent")
    def post(self, request: Request, consent_id: str) -> Response:
        consent = content_consents.consent_for_user(user=user_of(request), consent_id=consent_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.consent_withdraw(actor=user_of(request), consent=consent, reason=data.validated_data["reason"])
        (body,) = content_consents.consents_shown(case=consent.case, only=consent.pk)
        return Response(jsonable(body))


class ConsentEvidenceApi(APIView):
    """The signed consent form: POST uploads it (multipart, field ``file``), GET returns it
    (social services on the team; audited)."""

    parser_classes = [EvidenceMultiPartParser]

    @extend_schema_serializer(component_name="ConsentEvidenceInput")
    class InputSerializer(serializers.Serializer):
        file = serializers.FileField(help_text="PDF, JPEG or PNG (by content), at most 10 MiB.")

    @extend_schema(
        request={"multipart/form-data": InputSerializer},
        responses={201: EvidenceOutput},
        summary="Upload the signed consent form",
    )
    def post(self, request: Request, consent_id: str) -> Response:
        consent = content_consents.consent_for_user(user=user_of(request), consent_id=consent_id)
        require_social_services(user_of(request))  # 403 before the file is looked at
        upload = request.FILES.get("file")
        data = upload.read() if upload is not None else b""
        row = evidence.evidence_upload(actor=user_of(request), consent=consent, data=data)
        return Response(jsonable(content_consents.evidence_shown(row)), status=status.HTTP_201_CREATED)

    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            (200, "image/jpeg"): OpenApiTypes.BINARY,
            (200, "image/png"): OpenApiTypes.BINARY,
        },
        summary="Download the signed consent form",
    )
    def get(self, request: Request, consent_id: str) -> HttpResponse:
        found = content_consents.evidence_file(reader=user_of(request), consent_id=consent_id)
        extension = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}[found.content_type]
        response = HttpResponse(found.data, content_type=found.content_type)
        # The file name carries no personal data: the consent's id only.
        response["Content-Disposition"] = f'attachment; filename="consent-{found.consent_id}.{extension}"'
        response["X-Content-Type-Options"] = "nosniff"
        response["Digest"] = f"sha-256={base64.b64encode(bytes.fromhex(found.sha256)).decode()}"
        return response


class ConsentVerifyApi(APIView):
    @extend_schema_serializer(component_name="ConsentVerifyInput")
    class InputSerializer(serializers.Serializer):
        sha256 = serializers.RegexField(
            r"^[0-9a-fA-F]{64}$",
            required=False,
            help_text="The SHA-256 of the form the verifier read: a form replaced since is a 409.",
            error_messages={"invalid": _("Give the form's SHA-256 as 64 hexadecimal digits.")},
        )

    @extend_schema(request=InputSerializer, responses=EvidenceOutput, summary="Verify the signed form (four eyes)")
    def post(self, request: Request, consent_id: str) -> Response:
        consent = content_consents.consent_for_user(user=user_of(request), consent_id=consent_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        row = evidence.evidence_verify(
            actor=user_of(request), consent=consent, sha256=data.validated_data.get("sha256")
        )
        return Response(jsonable(content_consents.evidence_shown(row)))


class EmergencyAccessApi(APIView):
    """Nödåtkomst: a social services user opens a case they are not on, with a written reason."""

    @extend_schema_serializer(component_name="EmergencyAccessInput")
    class InputSerializer(serializers.Serializer):
        reason = inputs.CharField(min_length=10, max_length=10_000)

    @extend_schema_serializer(component_name="EmergencyAccessOutput")
    class OutputSerializer(serializers.Serializer):
        id = serializers.UUIDField()
        case = serializers.UUIDField(source="case_id")
        started_at = inputs.DateTimeField()
        expires_at = inputs.DateTimeField()

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer}, summary="Open a case in an emergency")
    def post(self, request: Request, case_id: str) -> Response:
        require_emergency_reader(user_of(request))  # 404 for anyone but social services
        # Then the body: a bad body is a 400 whatever the id, so it cannot tell an existing case
        # from an unknown one.
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = case_for_emergency_access(user=user_of(request), case_id=case_id)
        access = services.emergency_access_open(actor=user_of(request), case=case, reason=data.validated_data["reason"])
        return Response(self.OutputSerializer(access).data, status=status.HTTP_201_CREATED)


class ConsentReportApi(APIView):
    """For coordinators: consents on their cases that expire within ``days``, and cases on which a
    birthday (15 or 18) has stopped sharing within the last ``days``."""

    OutputSerializer = ConsentReportOutput

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "days", int, description="Look-ahead and look-back in days (default 30); under 1 is 1, over 365 is 365."
            )
        ],
        responses=OutputSerializer,
        summary="Consents about to expire, and sharing stopped by an age change",
    )
    def get(self, request: Request) -> Response:
        require_role(user_of(request), {Role.COORDINATOR}, MSG_CONSENT_REPORT_COORDINATORS)
        asked = inputs.query_int(request.query_params, "days")
        days = 30 if asked is None else max(1, min(asked, 365))
        cases = list(
            case_queryset_for_user(user_of(request), emergency=False)
            .filter(status=CaseStatus.OPEN)
            .select_related("key", "youth")
        )
        now = timezone.now()
        report = reports.consent_report(cases=cases, now=now, horizon=timedelta(days=days))
        return Response(self.OutputSerializer(report).data)


class DisclosureOutput(serializers.Serializer):
    id = serializers.UUIDField()
    case = serializers.UUIDField(source="case_id")
    case_number = inputs.CharField(source="case.number")
    agency = serializers.ChoiceField(choices=AgencyKind.choices, help_text="The kind of agency it went to.")
    categories = serializers.ListField(child=inputs.CharField())
    basis = inputs.CharField()
    consents = serializers.ListField(child=inputs.CharField())
    provision = inputs.CharField()
    conditions = serializers.DictField(child=inputs.BooleanField())
    user = inputs.CharField(source="user.username")
    disclosed_at = inputs.DateTimeField()


class DisclosureDetailOutput(DisclosureOutput):
    assessment = inputs.CharField()
    information = inputs.CharField()


class ProvisionField(serializers.ChoiceField):
    """One of the configured provisions (DISCLOSURE_PROVISIONS), an enum in the schema; anything
    else is refused with the service's own message (DRF's would be replaced, as it echoes)."""

    default_error_messages = {"unknown_provision": disclosures.MSG_UNKNOWN_PROVISION}

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str) or data not in self.choices:
            self.fail("unknown_provision")
        return data


class CaseDisclosureListApi(APIView):
    """The case's disclosure register (social services on the team): GET it; POST a disclosure
    made under a secrecy-breaking provision (e.g. OSL 10 kap. 18 a §) with its assessment."""

    @extend_schema_serializer(component_name="DisclosureCreateInput")
    class InputSerializer(serializers.Serializer):
        agency = serializers.ChoiceField(choices=[("police", "police"), ("school", "school"), ("leisure", "leisure")])
        # The configured provisions (DISCLOSURE_PROVISIONS); the service checks again.
        provision = ProvisionField(choices=sorted(settings.DISCLOSURE_PROVISIONS))
        conditions = serializers.DictField(child=inputs.BooleanField())
        assessment = inputs.CharField(max_length=20_000)
        information = inputs.CharField(max_length=20_000, required=False, allow_blank=True, default="")
        categories = serializers.ListField(
            child=inputs.CharField(max_length=30),
            min_length=1,
            max_length=10,
            error_messages={"min_length": disclosures.MSG_CHOOSE_ONE},
        )

    @extend_schema(
        parameters=PAGING,
        responses=page_of(DisclosureDetailOutput),
        operation_id="v1_cases_disclosures_list",
        summary="The case's disclosure register",
    )
    def get(self, request: Request, case_id: str) -> Response:
        return paged(request, content_consents.disclosures_page, reader=user_of(request), case_id=case_id)

    @extend_schema(request=InputSerializer, responses={201: DisclosureDetailOutput}, summary="Register a disclosure")
    def post(self, request: Request, case_id: str) -> Response:
        access = case_access(user=user_of(request), case_id=case_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        row = disclosures.disclosure_record_statutory(actor=user_of(request), case=access.case, **data.validated_data)
        body = content_consents.disclosure_shown(row, case=access.case)
        return Response(jsonable(body), status=status.HTTP_201_CREATED)


class DisclosureRegisterApi(APIView):
    """The whole register for auditors: metadata only (no assessment, no information)."""

    @extend_schema(
        parameters=[OpenApiParameter("case", str, description="case id or number"), *PAGING],
        responses=page_of(DisclosureOutput),
        operation_id="v1_disclosures_list",
        summary="The disclosure register (auditors)",
    )
    def get(self, request: Request) -> Response:
        require_role(user_of(request), {Role.AUDITOR}, MSG_REGISTER_AUDITORS)
        sent = request.query_params.get("case")
        case_ref = inputs.case_ref(sent) if sent else None  # a 400 for anything but an id or number
        queryset = disclosures.disclosures_for_auditor(case_ref=case_ref)
        # The validated reference only, never the query string (issue 15, item 6).
        logged = {"case": str(case_ref)} if case_ref is not None else {}
        record(event=AuditEvent.ACCESS, model=AuditEntry, object_pk="", extra={"disclosure_register": logged})
        paginator = NumberedPages()
        page = paginator.paginate_queryset(queryset, request, view=self) or []
        return paginator.get_paginated_response(DisclosureOutput(page, many=True).data)
