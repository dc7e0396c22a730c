"""Log review for auditors: search, CSV export, chain verification and anomalies.

Auditors see case numbers and actor names, never case content; nobody else reads the log (403).
Reading the log is itself audited.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import django_filters
from django.db.models import QuerySet
from django.http import Http404, StreamingHttpResponse
from django.utils import timezone
from django_filters.utils import translate_validation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api import inputs
from api.common import CheckedPaging, user_of
from api.schema import CURSOR_PAGING, page_of
from audit import chain
from audit.models import AuditEntry, AuditEvent, LogReview, LogReviewItem, Verdict
from audit.services import record
from cases.csv_safe import csv_lines
from cases.models import Role
from cases.permissions import require_role
from oversight import anomalies, log_search
from oversight import log_reviews as reviews

MSG_AUDIT_LOG_AUDITORS = log_search.MSG_AUDIT_LOG_AUDITORS
CSV_LIMIT = log_search.CSV_LIMIT


def _require_auditor(request: Request) -> None:
    require_role(user_of(request), {Role.AUDITOR}, MSG_AUDIT_LOG_AUDITORS)


class EntryFilter(django_filters.FilterSet):
    actor = django_filters.CharFilter(field_name="actor_username", max_length=150)
    case = django_filters.CharFilter(method="filter_case", max_length=40)
    action = django_filters.ChoiceFilter(field_name="event", choices=AuditEvent.choices)
    since = inputs.IsoDateTimeFilter(field_name="timestamp", lookup_expr="gte")
    until = inputs.IsoDateTimeFilter(field_name="timestamp", lookup_expr="lt")

    class Meta:
        model = AuditEntry
        fields = ["actor", "case", "action", "since", "until"]

    def filter_case(self, queryset: Any, name: str, value: str) -> Any:
        return queryset  # validated here (EntryFilter), applied by log_search.entries


_DATETIME = inputs.DateTimeField()  # unbound: the format and time zone come from settings


class EntryOutput(serializers.Serializer):
    id = inputs.IntegerField()
    timestamp = inputs.DateTimeField()
    actor = inputs.CharField(source="actor_username")
    action = serializers.ChoiceField(source="event", choices=AuditEvent.choices)
    object_type = inputs.CharField(source="content_type.model")
    object_id = inputs.CharField(source="object_pk")
    case_number = inputs.CharField()
    case = serializers.UUIDField(source="case_ref", allow_null=True)
    remote_addr = inputs.CharField(allow_null=True)
    correlation_id = inputs.CharField(source="cid", allow_null=True)
    changed_fields = serializers.ListField(child=inputs.CharField())
    fields_shown = serializers.ListField(child=inputs.CharField())

    # The columns the output reads: the search loads only these (an entry's other JSON columns,
    # never shown, are not decoded).
    COLUMNS = log_search.COLUMNS

    def to_representation(self, entry: AuditEntry) -> dict[str, Any]:
        """The declared fields, built directly: a search page is 100 to 500 entries, and DRF's
        generic field walk costs about 80 µs an entry (measured: docs/performance.md). The
        output is the same as the generic one (tests/api/test_audit_log_search.py compares them)."""
        return {**log_search.entry_shown(entry), "timestamp": _DATETIME.to_representation(entry.timestamp)}


class EntryCursor(CheckedPaging, CursorPagination):
    ordering = ("-timestamp", "-id")
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500


def _filtered(request: Request) -> tuple[QuerySet[AuditEntry], dict[str, str]]:
    """The entries the auditor's filters select (``log_search.entries``), and those filters as
    the audit entry of the search keeps them."""
    filterset = EntryFilter(request.query_params, queryset=AuditEntry.objects.none())
    if not filterset.is_valid():
        # With each message's code, so that the error handler can drop those that repeat the value.
        raise translate_validation(filterset.errors)
    cleaned = dict(filterset.form.cleaned_data)
    if cleaned.get("case"):
        cleaned["case"] = inputs.case_ref(cleaned["case"])  # a bad case reference is a 400 here
    found = log_search.entries(reader=user_of(request), **{k: v for k, v in cleaned.items() if v not in (None, "")})
    return found, log_search.logged_filters(cleaned)


FILTER_PARAMETERS = [
    OpenApiParameter("actor", str, description="username"),
    OpenApiParameter("case", str, description="case id or number"),
    OpenApiParameter("action", str, enum=AuditEvent.values),
    OpenApiParameter("since", OpenApiTypes.DATETIME, description="ISO 8601 time, inclusive (1900–2100)"),
    OpenApiParameter("until", OpenApiTypes.DATETIME, description="ISO 8601 time, exclusive (1900–2100)"),
]


class AuditEntryListApi(APIView):
    @extend_schema(
        parameters=[*FILTER_PARAMETERS, *CURSOR_PAGING],
        responses=page_of(EntryOutput, cursor=True),
        operation_id="v1_audit_entries_list",
        summary="Search the audit log",
    )
    def get(self, request: Request) -> Response:
        _require_auditor(request)
        paginator = EntryCursor()
        entries, filters = _filtered(request)
        page: list[AuditEntry] = paginator.paginate_queryset(entries, request, view=self) or []
        body = EntryOutput(page, many=True).data
        log_search.record_search(AuditEvent.ACCESS, filters)
        return paginator.get_paginated_response(body)


class AuditEntryCsvApi(APIView):
    @extend_schema(parameters=FILTER_PARAMETERS, responses={(200, "text/csv"): str}, summary="The same as CSV")
    def get(self, request: Request) -> StreamingHttpResponse:
        _require_auditor(request)
        entries, filters = _filtered(request)
        log_search.record_search(AuditEvent.EXPORT, filters)
        rows = log_search.csv_rows(entries, _DATETIME.to_representation)
        columns = log_search.CSV_COLUMNS

        # Every cell goes through the one CSV writer that neutralises formulas (cases/csv_safe.py).
        response = StreamingHttpResponse(csv_lines(columns, rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="audit-entries.csv"'
        return response


class AuditVerifyApi(APIView):
    @extend_schema_serializer(component_name="AuditVerification")
    class OutputSerializer(serializers.Serializer):
        ok = inputs.BooleanField()
        entries_checked = inputs.IntegerField()
        head = inputs.CharField()
        first_bad_entry = inputs.IntegerField(allow_null=True)
        problem = inputs.CharField()
        from_seq = inputs.IntegerField(
            help_text="The first link walked: 1 (or the retention boundary) for the whole chain, the "
            "link after the newest signed checkpoint otherwise. `?full=true` walks the whole chain."
        )

    @extend_schema(
        parameters=[OpenApiParameter("full", bool, description="walk the whole chain, not from the checkpoint")],
        responses=OutputSerializer,
        summary="Seal pending entries and recompute the chain from the newest checkpoint (or whole)",
    )
    def get(self, request: Request) -> Response:
        _require_auditor(request)
        full = bool(inputs.query_bool(request.query_params, "full"))
        result = chain.verify(from_checkpoint=not full)
        record(event=AuditEvent.REVIEW, model=AuditEntry, object_pk="", extra={"verify": result.ok, "full": full})
        return Response(self.OutputSerializer(result).data)


class FindingOutput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=anomalies.KINDS)
    entry = inputs.IntegerField(allow_null=True)
    timestamp = inputs.CharField()
    actor = inputs.CharField()
    case_number = inputs.CharField()
    detail = inputs.CharField()


class AuditAnomaliesApi(APIView):
    @extend_schema_serializer(component_name="AuditAnomalies")
    class OutputSerializer(serializers.Serializer):
        since = inputs.DateTimeField()
        until = inputs.DateTimeField()
        findings = FindingOutput(many=True)

    @extend_schema(
        parameters=[
            OpenApiParameter("since", OpenApiTypes.DATETIME, description="Default: 7 days ago."),
            OpenApiParameter("until", OpenApiTypes.DATETIME, description="Default: now."),
        ],
        responses=OutputSerializer,
        summary="Findings for log review (default: the last 7 days)",
    )
    def get(self, request: Request) -> Response:
        _require_auditor(request)
        params = request.query_params
        until = inputs.parse_datetime(params["until"], "until") if params.get("until") else timezone.now()
        since = inputs.parse_datetime(params["since"], "since") if params.get("since") else until - timedelta(days=7)
        reviews.period_check(since=since, until=until, field="since")
        findings = anomalies.find(since=since, until=until)
        record(event=AuditEvent.REVIEW, model=AuditEntry, object_pk="", extra={"anomalies": len(findings)})
        return Response(self.OutputSerializer({"since": since, "until": until, "findings": findings}).data)


class ReviewItemOutput(serializers.Serializer):
    id = serializers.UUIDField()
    entry = inputs.IntegerField(source="entry_number", allow_null=True)
    reason = inputs.CharField()
    detail = inputs.CharField()
    actor = inputs.CharField()
    case_number = inputs.CharField()
    verdict = serializers.ChoiceField(
        choices=[("", "not yet marked"), *Verdict.choices], allow_blank=True, help_text="Empty until marked."
    )
    comment = inputs.CharField()
    marked_by = inputs.CharField(source="marked_by.username", allow_null=True, default=None)
    marked_at = inputs.DateTimeField(allow_null=True)


class ReviewOutput(serializers.Serializer):
    id = serializers.UUIDField()
    period_start = inputs.DateTimeField()
    period_end = inputs.DateTimeField()
    sample_size = inputs.IntegerField()
    started_by = inputs.CharField(source="started_by.username")
    started_at = inputs.DateTimeField()
    signed_off_by = inputs.CharField(source="signed_off_by.username", allow_null=True, default=None)
    signed_off_at = inputs.DateTimeField(allow_null=True)
    conclusion = inputs.CharField()
    summary = serializers.SerializerMethodField()
    findings_capped = serializers.ListField(
        child=serializers.ChoiceField(choices=anomalies.KINDS),
        help_text="Kinds of finding the period held more of than one check takes "
        "(AUDIT_REVIEW_FINDINGS_PER_KIND, the first of the period); the anomalies list has them all.",
    )

    def get_summary(self, review: LogReview) -> dict[str, int]:
        return reviews.review_summary(review)


class ReviewDetailOutput(ReviewOutput):
    items = ReviewItemOutput(many=True, source="items.all")


def _review(review_id: str) -> LogReview:
    return reviews.review_with_items(review_id)


class ReviewListApi(APIView):
    """Log checks: list them, or start one for a period (sample plus every anomaly)."""

    @extend_schema_serializer(component_name="ReviewStartInput")
    class InputSerializer(serializers.Serializer):
        period_start = inputs.DateTimeField()
        period_end = inputs.DateTimeField()
        sample_size = inputs.IntegerField(min_value=0, max_value=500, default=20)

    @extend_schema(responses=ReviewOutput(many=True), summary="List log checks")
    def get(self, request: Request) -> Response:
        _require_auditor(request)
        return Response(ReviewOutput(reviews.reviews_list(), many=True).data)

    @extend_schema(request=InputSerializer, responses={201: ReviewDetailOutput}, summary="Start a log check")
    def post(self, request: Request) -> Response:
        _require_auditor(request)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        review = reviews.review_start(actor=user_of(request), **data.validated_data)
        return Response(ReviewDetailOutput(_review(str(review.pk))).data, status=201)


class ReviewDetailApi(APIView):
    @extend_schema(responses=ReviewDetailOutput, summary="A log check with its items")
    def get(self, request: Request, review_id: str) -> Response:
        _require_auditor(request)
        return Response(ReviewDetailOutput(_review(review_id)).data)


class ReviewItemMarkApi(APIView):
    @extend_schema_serializer(component_name="ReviewMarkInput")
    class InputSerializer(serializers.Serializer):
        verdict = serializers.ChoiceField(choices=Verdict.choices)
        comment = inputs.CharField(max_length=5000, required=False, allow_blank=True, default="")

    @extend_schema(request=InputSerializer, responses=ReviewItemOutput, summary="Mark an item justified or not")
    def post(self, request: Request, review_id: str, item_id: str) -> Response:

        _require_auditor(request)
        item = LogReviewItem.objects.filter(review_id=_review(review_id).pk, pk=item_id).first()
        if item is None:
            raise Http404
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        marked = reviews.review_item_mark(actor=user_of(request), item=item, **data.validated_data)
        return Response(ReviewItemOutput(marked).data)


class ReviewSignOffApi(APIView):
    @extend_schema_serializer(component_name="ReviewSignOffInput")
    class InputSerializer(serializers.Serializer):
        conclusion = inputs.CharField(max_length=20_000)

    @extend_schema(request=InputSerializer, responses=ReviewDetailOutput, summary="Sign a log check off")
    def post(self, request: Request, review_id: str) -> Response:
        _require_auditor(request)
        review = _review(review_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        reviews.review_sign_off(actor=user_of(request), review=review, conclusion=data.validated_data["conclusion"])
        return Response(ReviewDetailOutput(_review(review_id)).data)
