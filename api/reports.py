"""Reports: the yearly statistics (coordinators and auditors) and, with the purge issue's other
parts, the subject access report."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.renderers import JSONRenderer, TemplateHTMLRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api import inputs
from api.common import user_of
from api.report_schemas import FrozenYearOutput, StatsSummaryOutput, SubjectReportOutput
from cases.models import Role
from cases.permissions import require_role
from oversight import results
from oversight.subject_report import subject_report_for_reader

MSG_STATS_ROLES = results.MSG_STATS_ROLES
MSG_FREEZE_ROLES = results.MSG_FREEZE_ROLES


def _year(value: str | None) -> int:
    """A year from the query or the path: whole digits (``query_int``), 2000 up to this one."""
    number = inputs.query_int({"year": value}, "year")
    field = serializers.IntegerField(min_value=2000, max_value=timezone.now().year)
    try:
        return int(field.run_validation(number))
    except serializers.ValidationError as exc:
        raise serializers.ValidationError({"year": exc.detail}) from None


class StatsSummaryApi(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("year", int, required=True),
            OpenApiParameter("district", str, description="only this district's figures"),
        ],
        responses={200: StatsSummaryOutput},
        summary="Yearly counts and the results report (small cells suppressed; frozen once signed off)",
    )
    def get(self, request: Request) -> Response:
        require_role(user_of(request), {Role.COORDINATOR, Role.AUDITOR}, MSG_STATS_ROLES)  # before the query
        year = _year(request.query_params.get("year"))
        district = inputs.query_text(request.query_params, "district", max_length=100) or None
        return Response(results.report_for_reader(reader=user_of(request), year=year, district=district))


class StatsFreezeApi(APIView):
    """A coordinator signs off a finished year: its figures are kept as they are now."""

    @extend_schema(request=None, responses={201: FrozenYearOutput}, summary="Freeze a finished year's figures")
    def post(self, request: Request, year: int) -> Response:
        require_role(user_of(request), {Role.COORDINATOR}, MSG_FREEZE_ROLES)  # before the year is looked at
        kept = results.year_freeze_by(actor=user_of(request), year=_year(str(year)))
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
            (200, "application/json"): SubjectReportOutput,
            (200, "text/html"): OpenApiTypes.STR,
        },
        summary="Subject access report (registerutdrag)",
    )
    def get(self, request: Request, case_id: str, format: str | None = None) -> Response:  # noqa: A002
        report = subject_report_for_reader(reader=user_of(request), case_id=case_id)
        return Response(report, template_name="oversight/subject_report.html")

    def _as_json(self) -> None:
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type

    def options(self, request: Request, *args: Any, **kwargs: Any) -> Response:  # type: ignore[override]
        # DRF's description of the view is JSON in either format: the page's template cannot show
        # it (``OPTIONS ...?format=html`` was a 500, found by the fuzzer, issue 18).
        response = super().options(request, *args, **kwargs)
        self._as_json()
        return response

    def handle_exception(self, exc: Exception) -> Response:
        # An error is the API's JSON error in either format, never the HTML renderer's bare text.
        response = super().handle_exception(exc)
        self._as_json()
        return response
