"""The benchmark's yardsticks, mounted only with BENCH_ROUTES=1 (never in production).

Each view authenticates exactly as the API does (the same bearer-token lookup) and serves the
same JSON shape from the same rows; levels switch the protections on in turn:

- ``plain``: no access check, no decryption (stored values go out as they are), no audit entry;
- ``access``: + the case selector (team membership through guardian's table) and the consent policy;
- ``crypto``: + decryption of what is shown;
- the real endpoints under /api/v1/ add the audit entry and the disclosure register.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.db import connection
from django.http import Http404
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.models import AuditEntry
from cases import selectors
from cases.api import CaseDetailOutput, CaseListOutput, Page
from cases.crypto import blind_index
from cases.models import Case, CaseMember, Youth
from consent.policy import categories_for_cases

LEVELS = ("plain", "access", "crypto")


def _raw_case(case: Case) -> dict[str, Any]:
    youth = case.youth
    return {
        "id": str(case.pk),
        "number": case.number,
        "track": case.track,
        "status": case.status,
        "district": case.district,
        "opened_at": case.opened_at.isoformat(),
        "closed_at": case.closed_at.isoformat() if case.closed_at else None,
        "version": case.version,
        "youth": {
            name: youth.__dict__[name]
            for name in ("given_name", "family_name", "personal_number", "address")  # stored form
        },
    }


class BenchCaseDetail(APIView):
    def get(self, request: Request, level: str, case_id: str) -> Response:
        if level == "plain":
            case = Case.objects.select_related("youth").filter(pk=case_id).first()
            if case is None:
                raise Http404
            body = _raw_case(case)
            body["summary"] = case.__dict__["summary"]
            body["guardians"] = [{"id": str(pk), "name": name} for pk, name in case.guardians.values_list("id", "name")]
            body["members"] = list(case.members.values("user__username", "role"))
            return Response(body)
        access = selectors.case_get_for_user(user=request.user, case_id=case_id)
        case = access.case
        if level == "access":
            body = _raw_case(case)
            body["summary"] = case.__dict__["summary"]
            body["guardians"] = [{"id": str(pk), "name": n} for pk, n in case.guardians.values_list("id", "name")]
            body["members"] = list(case.members.values("user__username", "role"))
            body["categories"] = sorted(access.categories)
            return Response(body)
        case.member_list = list(selectors.case_members(case=case))  # type: ignore[attr-defined]
        context = {"categories": {case.pk: access.categories}, "social_services": True}
        return Response(CaseDetailOutput(case, context=context).data)


class BenchCaseList(APIView):
    def get(self, request: Request, level: str) -> Response:
        if level == "plain":
            queryset = (
                Case.objects.filter(pk__in=CaseMember.objects.filter(user=request.user).values("case_id"))
                .select_related("youth")
                .order_by("-opened_at", "-id")
            )
            paginator = Page()
            page = paginator.paginate_queryset(queryset, request, view=self) or []
            return paginator.get_paginated_response([_raw_case(case) for case in page])
        queryset = selectors.case_list_for_user(user=request.user)
        paginator = Page()
        page = paginator.paginate_queryset(queryset, request, view=self) or []
        profile = selectors.staff_profile(request.user)
        categories = categories_for_cases(profile=profile, cases=page) if profile else {}
        if level == "access":
            return paginator.get_paginated_response([_raw_case(case) for case in page])
        context = {"categories": categories, "social_services": True}
        return paginator.get_paginated_response(CaseListOutput(page, many=True, context=context).data)


class BenchNoteAdd(APIView):
    """plain: an INSERT of the text as sent; no checks, no encryption, no audit."""

    def post(self, request: Request, level: str, case_id: str) -> Response:
        note_id = uuid.uuid4()
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO cases_note (id, case_id, category, text, author_id, agency_id, created_at) "
                "SELECT %s, %s, %s, %s, %s, owning_agency_id, %s FROM cases_case WHERE id = %s",
                [
                    note_id,
                    case_id,
                    request.data.get("category", "notes"),
                    request.data.get("text", ""),
                    request.user.pk,
                    timezone.now(),
                    case_id,
                ],
            )
        return Response({"id": str(note_id), "category": "notes", "text": request.data.get("text", "")}, status=201)


class BenchAuditSearch(APIView):
    """plain: the same filtered, ordered page of entries, with no role check and no entry written."""

    def get(self, request: Request, level: str) -> Response:
        queryset = AuditEntry.objects.all()
        if "case" in request.query_params:
            queryset = queryset.filter(case_number=request.query_params["case"])
        if "actor" in request.query_params:
            queryset = queryset.filter(actor_username=request.query_params["actor"])
        if "since" in request.query_params:
            queryset = queryset.filter(timestamp__gte=request.query_params["since"])
        if "until" in request.query_params:
            queryset = queryset.filter(timestamp__lt=request.query_params["until"])
        rows = list(
            queryset.order_by("-timestamp", "-id").values(
                "id", "timestamp", "actor_username", "event", "object_pk", "case_number", "remote_addr", "cid"
            )[:101]
        )
        return Response({"next": None, "previous": None, "results": rows[:100]})


class BenchLookup(APIView):
    """plain: the blind-index match alone (no membership, no decrypting the candidates)."""

    def post(self, request: Request, level: str) -> Response:
        from cases import personnummer
        from cases.selectors import PNR_INDEX_PURPOSE

        number = personnummer.normalize(request.data.get("personal_number", ""))
        index = blind_index(number, purpose=PNR_INDEX_PURPOSE)
        ids = list(Youth.objects.filter(personal_number_index=index).values_list("case_id", flat=True))
        return Response({"cases": [str(i) for i in ids]})


class BenchVisitAdd(APIView):
    """plain: INSERTs of the visit, its participants and the note as sent; no checks, no encryption."""

    def post(self, request: Request, level: str, case_id: str) -> Response:
        from django.contrib.auth import get_user_model

        visit_id = uuid.uuid4()
        data = request.data
        participants = list(
            get_user_model().objects.filter(username__in=data.get("participants", [])).values_list("id", flat=True)
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO cases_homevisit (id, case_id, occurred_at, present, source, basis, family_told, outcome, "
                "screening_result, support_offered, created_by_id, created_at) "
                "VALUES (%s, %s, %s, %s, '', %s, '', %s, '', '', %s, %s)",
                [
                    visit_id,
                    case_id,
                    data.get("occurred_at"),
                    json.dumps(data.get("present", [])),
                    data.get("basis", ""),
                    data.get("outcome", ""),
                    request.user.pk,
                    timezone.now(),
                ],
            )
            for user_id in participants:
                cursor.execute(
                    "INSERT INTO cases_homevisit_participants (homevisit_id, user_id) VALUES (%s, %s)",
                    [visit_id, user_id],
                )
            cursor.execute(
                "INSERT INTO cases_visitnote (id, visit_id, case_id, agency_id, author_id, text, created_at) "
                "SELECT %s, %s, %s, owning_agency_id, %s, %s, %s FROM cases_case WHERE id = %s",
                [uuid.uuid4(), visit_id, case_id, request.user.pk, data.get("notes", ""), timezone.now(), case_id],
            )
        return Response(
            {"id": str(visit_id), **{k: data.get(k) for k in ("occurred_at", "basis", "outcome")}}, status=201
        )
