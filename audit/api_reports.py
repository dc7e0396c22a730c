"""Reports: the yearly statistics (coordinators and auditors) and, with the purge issue's other
parts, the subject access report."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer, TemplateHTMLRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audit import statistics
from audit.models import AuditEntry, AuditEvent
from audit.services import record
from audit.subject_report import subject_report
from cases import selectors
from cases.models import SOCIAL_SERVICES_ROLES, Case, Role
from cases.selectors import staff_profile
from cases.services import MSG_SOCIAL_SERVICES_ONLY

MSG_STATS_ROLES = _("Only coordinators and auditors read the statistics.")


class StatsSummaryApi(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("year", int, required=True)],
        responses={200: dict},
        summary="Yearly counts (small cells suppressed)",
    )
    def get(self, request: Request) -> Response:
        profile = staff_profile(request.user)
        if profile is None or profile.role not in (Role.COORDINATOR, Role.AUDITOR):
            raise PermissionDenied(MSG_STATS_ROLES)
        field = serializers.IntegerField(min_value=2000, max_value=timezone.now().year)
        try:
            year = field.run_validation(request.query_params.get("year", ""))
        except serializers.ValidationError as exc:
            raise serializers.ValidationError({"year": exc.detail}) from None
        record(event=AuditEvent.EXPORT, model=AuditEntry, object_pk="", extra={"statistics": year})
        return Response(statistics.summary(year=year))


class SubjectReportApi(APIView):
    """GET the registerutdrag of a case (social services on the team): JSON, or ?format=html for
    a printable document in Swedish to hand to the family. Producing it is audited."""

    renderer_classes = [JSONRenderer, TemplateHTMLRenderer]

    @extend_schema(responses={200: dict}, summary="Subject access report (registerutdrag)")
    def get(self, request: Request, case_id: str, format: str | None = None) -> Response:  # noqa: A002
        access = selectors.case_get_for_user(user=request.user, case_id=case_id)
        if access.profile.role not in SOCIAL_SERVICES_ROLES:
            raise PermissionDenied(MSG_SOCIAL_SERVICES_ONLY)
        report = subject_report(case=access.case, generated_by=request.user)
        record(
            event=AuditEvent.EXPORT,
            model=Case,
            object_pk=str(access.case.pk),
            case=access.case,
            fields=["subject_report"],
        )
        return Response(report, template_name="audit/subject_report.html")
