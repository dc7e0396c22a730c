"""Reports: the yearly statistics (coordinators and auditors) and, with the purge issue's other
parts, the subject access report."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.renderers import JSONRenderer, TemplateHTMLRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.common import user_of
from cases.models import Role
from cases.permissions import require_role
from oversight import results
from oversight.subject_report import subject_report_for_reader

MSG_STATS_ROLES = results.MSG_STATS_ROLES
MSG_FREEZE_ROLES = results.MSG_FREEZE_ROLES
MSG_DISTRICT = _("A district name is at most 100 characters.")


def _year(value: object) -> int:
    field = serializers.IntegerField(min_value=2000, max_value=timezone.now().year)
    try:
        return int(field.run_validation(value))
    except serializers.ValidationError as exc:
        raise serializers.ValidationError({"year": exc.detail}) from None


class StatsSummaryApi(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("year", int, required=True),
            OpenApiParameter("district", str, description="only this district's figures"),
        ],
        responses={200: dict},
        summary="Yearly counts and the results report (small cells suppressed; frozen once signed off)",
    )
    def get(self, request: Request) -> Response:
        require_role(user_of(request), {Role.COORDINATOR, Role.AUDITOR}, MSG_STATS_ROLES)  # before the query
        year = _year(request.query_params.get("year", ""))
        district = request.query_params.get("district") or None
        if district is not None and len(district) > 100:
            raise serializers.ValidationError({"district": [MSG_DISTRICT]})
        return Response(results.report_for_reader(reader=user_of(request), year=year, district=district))


class StatsFreezeApi(APIView):
    """A coordinator signs off a finished year: its figures are kept as they are now."""

    @extend_schema(request=None, responses={201: dict}, summary="Freeze a finished year's figures")
    def post(self, request: Request, year: int) -> Response:
        require_role(user_of(request), {Role.COORDINATOR}, MSG_FREEZE_ROLES)  # before the year is looked at
        kept = results.year_freeze_by(actor=user_of(request), year=_year(year))
        return Response(results.report(year=kept.year), status=status.HTTP_201_CREATED)


class SubjectReportApi(APIView):
    """GET the registerutdrag of a case (social services on the team): JSON, or ?format=html for
    a printable document in Swedish to hand to the family. Producing it is audited."""

    renderer_classes = [JSONRenderer, TemplateHTMLRenderer]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "format",
                str,
                enum=["json", "html"],
                description="`html`: the printable page (also `Accept: text/html`).",
            )
        ],
        responses={
            (200, "application/json"): OpenApiTypes.OBJECT,
            (200, "text/html"): OpenApiTypes.STR,
        },
        summary="Subject access report (registerutdrag)",
    )
    def get(self, request: Request, case_id: str, format: str | None = None) -> Response:  # noqa: A002
        report = subject_report_for_reader(reader=user_of(request), case_id=case_id)
        return Response(report, template_name="oversight/subject_report.html")

    def handle_exception(self, exc: Exception) -> Response:
        # An error is the API's JSON error in either format, never the HTML renderer's bare text.
        response = super().handle_exception(exc)
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return response
