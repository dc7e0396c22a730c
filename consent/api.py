"""HTTP for consent, emergency access and the coordinators' consent report."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.services import record_access
from cases import selectors
from cases.api import Page
from cases.models import SOCIAL_SERVICES_ROLES, CaseStatus, Role
from cases.services import MSG_SOCIAL_SERVICES_ONLY
from consent import disclosures, reports, services
from consent.models import Giver, Method
from consent.policy import consent_statuses
from consent.selectors import consent_get_for_user, consents_of_case

MSG_COORDINATORS_ONLY = _("Only SSPF coordinators may read this report.")
MSG_AUDITORS_ONLY = _("Only auditors may read the whole register.")


class ConsentOutput(serializers.Serializer):
    id = serializers.UUIDField()
    case = serializers.UUIDField(source="case_id")
    giver = serializers.CharField()
    guardian = serializers.UUIDField(source="guardian_id", allow_null=True)
    agencies = serializers.ListField(child=serializers.CharField())
    categories = serializers.ListField(child=serializers.CharField())
    valid_from = serializers.DateTimeField()
    valid_until = serializers.DateTimeField()
    method = serializers.CharField()
    document_reference = serializers.CharField()
    recorded_by = serializers.CharField(source="recorded_by.username")
    recorded_at = serializers.DateTimeField()
    status = serializers.SerializerMethodField()
    withdrawn_at = serializers.SerializerMethodField()
    withdrawal_reason = serializers.SerializerMethodField()

    def get_status(self, consent: Any) -> str:
        return self.context["statuses"][consent.pk]

    def _withdrawal(self, consent: Any) -> Any:
        return getattr(consent, "withdrawal_cached", None)

    def get_withdrawn_at(self, consent: Any) -> str | None:
        withdrawal = self._withdrawal(consent)
        return serializers.DateTimeField().to_representation(withdrawal.withdrawn_at) if withdrawal else None

    def get_withdrawal_reason(self, consent: Any) -> str | None:
        withdrawal = self._withdrawal(consent)
        return withdrawal.reason if withdrawal else None


def _require_social_services_member(access: selectors.CaseAccess) -> None:
    if access.profile.role not in SOCIAL_SERVICES_ROLES:
        raise PermissionDenied(MSG_SOCIAL_SERVICES_ONLY)


def _consents_response(case: Any, consents: list[Any], *, many: bool = True, code: int = 200) -> Response:
    statuses = consent_statuses(case=case)
    data = ConsentOutput(consents if many else consents[0], many=many, context={"statuses": statuses}).data
    return Response(data, status=code)


class CaseConsentListApi(APIView):
    """Consents of a case (social services on the team): GET the history, POST a new consent."""

    @extend_schema_serializer(component_name="ConsentCreateInput")
    class InputSerializer(serializers.Serializer):
        giver = serializers.ChoiceField(choices=Giver.choices)
        guardian = serializers.UUIDField(required=False, allow_null=True)
        agencies = serializers.ListField(child=serializers.CharField(max_length=30), max_length=10)
        categories = serializers.ListField(child=serializers.CharField(max_length=30), max_length=10)
        valid_from = serializers.DateTimeField()
        valid_until = serializers.DateTimeField()
        method = serializers.ChoiceField(choices=Method.choices)
        document_reference = serializers.CharField(max_length=500, required=False, allow_blank=True)

    @extend_schema(responses=ConsentOutput(many=True), summary="List a case's consents with their status")
    def get(self, request: Request, case_id: str) -> Response:
        access = selectors.case_get_for_user(user=request.user, case_id=case_id)
        _require_social_services_member(access)
        record_access(cases_shown={access.case: {"consents"}}, view="consents")
        return _consents_response(access.case, consents_of_case(case=access.case))

    @extend_schema(request=InputSerializer, responses={201: ConsentOutput}, summary="Record a consent")
    def post(self, request: Request, case_id: str) -> Response:
        access = selectors.case_get_for_user(user=request.user, case_id=case_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        consent = services.consent_record(actor=request.user, case=access.case, **data.validated_data)
        fresh = [c for c in consents_of_case(case=access.case) if c.pk == consent.pk]
        return _consents_response(access.case, fresh, many=False, code=status.HTTP_201_CREATED)


class ConsentWithdrawApi(APIView):
    @extend_schema_serializer(component_name="ConsentWithdrawInput")
    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=10_000)

    @extend_schema(request=InputSerializer, responses=ConsentOutput, summary="Withdraw a consent")
    def post(self, request: Request, consent_id: str) -> Response:
        consent = consent_get_for_user(user=request.user, consent_id=consent_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.consent_withdraw(actor=request.user, consent=consent, reason=data.validated_data["reason"])
        fresh = [c for c in consents_of_case(case=consent.case) if c.pk == consent.pk]
        return _consents_response(consent.case, fresh, many=False)


class EmergencyAccessApi(APIView):
    """Nödåtkomst: a social services user opens a case they are not on, with a written reason."""

    @extend_schema_serializer(component_name="EmergencyAccessInput")
    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(min_length=10, max_length=10_000)

    @extend_schema_serializer(component_name="EmergencyAccessOutput")
    class OutputSerializer(serializers.Serializer):
        id = serializers.UUIDField()
        case = serializers.UUIDField(source="case_id")
        started_at = serializers.DateTimeField()
        expires_at = serializers.DateTimeField()

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer}, summary="Open a case in an emergency")
    def post(self, request: Request, case_id: str) -> Response:
        case = selectors.case_for_emergency_access(user=request.user, case_id=case_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        access = services.emergency_access_open(actor=request.user, case=case, reason=data.validated_data["reason"])
        return Response(self.OutputSerializer(access).data, status=status.HTTP_201_CREATED)


class ConsentReportApi(APIView):
    """For coordinators: consents on their cases that expire within ``days``, and cases on which a
    birthday (15 or 18) has stopped sharing within the last ``days``."""

    @extend_schema_serializer(component_name="ConsentReportOutput")
    class OutputSerializer(serializers.Serializer):
        expiring = serializers.ListField(child=serializers.DictField())
        stopped_by_age = serializers.ListField(child=serializers.DictField())

    @extend_schema(
        parameters=[OpenApiParameter("days", int, description="look-ahead and look-back in days (default 30)")],
        responses=OutputSerializer,
        summary="Consents about to expire, and sharing stopped by an age change",
    )
    def get(self, request: Request) -> Response:
        profile = selectors.staff_profile(request.user)
        if profile is None or profile.role != Role.COORDINATOR:
            raise PermissionDenied(MSG_COORDINATORS_ONLY)
        try:
            days = max(1, min(int(request.query_params.get("days", 30)), 365))
        except ValueError:
            raise serializers.ValidationError({"days": ["A whole number of days."]}) from None
        cases = list(
            selectors.case_queryset_for_user(request.user, emergency=False)
            .filter(status=CaseStatus.OPEN)
            .select_related("key", "youth")
        )
        now = timezone.now()
        report = reports.consent_report(cases=cases, now=now, horizon=timedelta(days=days))
        return Response(self.OutputSerializer(report).data)


class DisclosureOutput(serializers.Serializer):
    id = serializers.UUIDField()
    case = serializers.UUIDField(source="case_id")
    case_number = serializers.CharField(source="case.number")
    agency = serializers.CharField()
    categories = serializers.ListField(child=serializers.CharField())
    basis = serializers.CharField()
    consents = serializers.ListField(child=serializers.CharField())
    provision = serializers.CharField()
    conditions = serializers.DictField(child=serializers.BooleanField())
    user = serializers.CharField(source="user.username")
    disclosed_at = serializers.DateTimeField()


class DisclosureDetailOutput(DisclosureOutput):
    assessment = serializers.CharField()
    information = serializers.CharField()


class CaseDisclosureListApi(APIView):
    """The case's disclosure register (social services on the team): GET it; POST a disclosure
    made under a secrecy-breaking provision (e.g. OSL 10 kap. 18 a §) with its assessment."""

    @extend_schema_serializer(component_name="DisclosureCreateInput")
    class InputSerializer(serializers.Serializer):
        agency = serializers.ChoiceField(choices=[("police", "police"), ("school", "school"), ("leisure", "leisure")])
        provision = serializers.CharField(max_length=40)
        conditions = serializers.DictField(child=serializers.BooleanField())
        assessment = serializers.CharField(max_length=20_000)
        information = serializers.CharField(max_length=20_000, required=False, allow_blank=True, default="")
        categories = serializers.ListField(child=serializers.CharField(max_length=30), max_length=10)

    @extend_schema(responses=DisclosureDetailOutput(many=True), summary="The case's disclosure register")
    def get(self, request: Request, case_id: str) -> Response:
        access = selectors.case_get_for_user(user=request.user, case_id=case_id)
        _require_social_services_member(access)
        queryset = disclosures.disclosures_of_case(case=access.case)
        paginator = Page()
        page = paginator.paginate_queryset(queryset, request, view=self) or []
        for row in page:
            row.case = access.case
        record_access(cases_shown={access.case: {"disclosures"}}, view="disclosures")
        return paginator.get_paginated_response(DisclosureDetailOutput(page, many=True).data)

    @extend_schema(request=InputSerializer, responses={201: DisclosureDetailOutput}, summary="Register a disclosure")
    def post(self, request: Request, case_id: str) -> Response:
        access = selectors.case_get_for_user(user=request.user, case_id=case_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        row = disclosures.disclosure_record_statutory(actor=request.user, case=access.case, **data.validated_data)
        return Response(DisclosureDetailOutput(row).data, status=status.HTTP_201_CREATED)


class DisclosureRegisterApi(APIView):
    """The whole register for auditors: metadata only (no assessment, no information)."""

    @extend_schema(
        parameters=[OpenApiParameter("case", str, description="case id or number")],
        responses=DisclosureOutput(many=True),
        summary="The disclosure register (auditors)",
    )
    def get(self, request: Request) -> Response:
        profile = selectors.staff_profile(request.user)
        if profile is None or profile.role != Role.AUDITOR:
            raise PermissionDenied(MSG_AUDITORS_ONLY)
        queryset = disclosures.disclosures_for_auditor(case_ref=request.query_params.get("case"))
        from audit.models import AuditEntry, AuditEvent
        from audit.services import record

        record(
            event=AuditEvent.ACCESS,
            model=AuditEntry,
            object_pk="",
            extra={"disclosure_register": dict(request.query_params)},
        )
        paginator = Page()
        page = paginator.paginate_queryset(queryset, request, view=self) or []
        return paginator.get_paginated_response(DisclosureOutput(page, many=True).data)
