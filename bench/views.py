"""The benchmark's yardsticks, mounted under /bench/ only by bench.settings (bench/urls_root.py).

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
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api import inputs
from api.audit import EntryCursor, EntryFilter, EntryOutput
from api.cases import YouthLookupApi
from api.common import NumberedPages, jsonable
from api.records import NoteListApi, VisitListApi
from audit.models import AuditEntry
from cases.crypto import blind_index
from cases.filters import CaseFilter
from cases.models import Case, CaseMember, Youth
from cases.models.closure import ClosureRequestStatus
from consent.policy import CATEGORIES, custody_unconfirmed
from content import access as selectors
from content.case import case_row, case_shown
from referrals.models import Referral

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
            **{
                name: youth.__dict__[name]
                for name in ("given_name", "family_name", "personal_number", "address")  # stored form
            },
            "protected_identity": youth.protected_identity,
        },
    }


def _raw_detail(case: Case, categories: Any) -> dict[str, Any]:
    """The detail's shape from stored values: guardians, members (with their agencies) and a
    pending closure request as three plain queries, like the real endpoint's."""
    body = _raw_case(case)
    guardians = list(case.guardians.values_list("id", "name", "custodian"))
    body["guardians"] = [{"id": str(pk), "name": name, "custodian": custodian} for pk, name, custodian in guardians]
    body["custody"] = case.custody
    body["custody_unconfirmed"] = custody_unconfirmed(case)
    body["summary"] = case.__dict__["summary"]
    body["members"] = selectors.case_member_rows(case=case)  # one query, plain rows
    body["categories"] = sorted(categories)
    body["outcome"] = case.outcome or None
    pending = (
        case.closure_requests.filter(status=ClosureRequestStatus.PENDING)
        .values("requested_by__username", "requested_at", "outcome")
        .first()
    )
    body["closure_request"] = pending and {
        "requested_by": pending["requested_by__username"],
        "requested_at": pending["requested_at"].isoformat(),
        "outcome": pending["outcome"],
    }
    # Who must consent, in the answer's shape from the guardians' rows: the custodians (the
    # policy's age rules need the decrypted personal number, which plain does not decrypt).
    body["consent_givers"] = {
        "required": [{"giver": "guardian", "guardian": str(pk)} for pk, _name, custodian in guardians if custodian],
        "blocked": None,
    }
    return body


class BenchCaseDetail(APIView):
    def get(self, request: Request, level: str, case_id: str) -> Response:
        if level == "plain":
            case = Case.objects.select_related("youth").filter(pk=case_id).first()
            if case is None:
                raise Http404
            response = Response(_raw_detail(case, CATEGORIES))
            response["ETag"] = f'"{case.version}"'
            return response
        access = selectors.case_access(user=request.user, case_id=case_id)
        if level == "access":
            return Response(_raw_detail(access.case, access.categories))
        return Response(jsonable(case_shown(access)))


def _filtered_cases(request: Request, queryset: Any) -> Any:
    """The query string's filters, validated by the real filter set (as every yardstick validates
    its input: a bad ``status`` is a 400 here too)."""
    filterset = CaseFilter(request.query_params, queryset=queryset)
    if not filterset.is_valid():
        raise ValidationError(filterset.errors)
    return filterset.qs


class BenchCaseList(APIView):
    def get(self, request: Request, level: str) -> Response:
        if level == "plain":
            queryset = (
                Case.objects.filter(pk__in=CaseMember.objects.filter(user=request.user).values("case_id"))
                .select_related("youth")
                .order_by("-opened_at", "-id")
            )
            paginator = NumberedPages()
            page = paginator.paginate_queryset(_filtered_cases(request, queryset), request, view=self) or []
            return paginator.get_paginated_response([_raw_case(case) for case in page])
        queryset = _filtered_cases(request, selectors.case_list_for_user(user=request.user))
        paginator = NumberedPages()
        page = paginator.paginate_queryset(queryset, request, view=self) or []
        profile = selectors.staff_profile(request.user)
        accesses = selectors.case_accesses(profile=profile, cases=list(page)) if profile else []
        if level == "access":
            return paginator.get_paginated_response([_raw_case(access.case) for access in accesses])
        return paginator.get_paginated_response(jsonable([case_row(access) for access in accesses]))


class BenchNoteAdd(APIView):
    """plain: the input validated by the real serializer, one INSERT of the text as sent; no
    access check, no encryption, no audit entry. Same response shape as the real endpoint."""

    def post(self, request: Request, level: str, case_id: str) -> Response:
        data = NoteListApi.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        note_id, now = uuid.uuid4(), timezone.now()
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO cases_note (id, case_id, category, text, author_id, agency_id, created_at) "
                "SELECT %s, c.id, %s, %s, %s, c.owning_agency_id, %s FROM cases_case c WHERE c.id = %s "
                "RETURNING (SELECT kind FROM cases_agency a WHERE a.id = agency_id)",
                [note_id, data.validated_data["category"], data.validated_data["text"], request.user.pk, now, case_id],
            )
            row = cursor.fetchone()
        if row is None:
            raise Http404
        return Response(
            {
                "id": str(note_id),
                "category": data.validated_data["category"],
                "text": data.validated_data["text"],
                "author": request.user.get_username(),
                "agency": row[0],
                "created_at": now.isoformat(),
            },
            status=201,
        )


class BenchAuditSearch(APIView):
    """plain: the same filtered, ordered page of entries, with no role check and no entry written;
    the input validated by the real filter set, as every yardstick validates its input."""

    def get(self, request: Request, level: str) -> Response:
        filterset = EntryFilter(request.query_params, queryset=AuditEntry.objects.none())
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        cleaned = filterset.form.cleaned_data
        queryset = AuditEntry.objects.all()
        if cleaned.get("case"):
            ref = inputs.case_ref(cleaned["case"])
            queryset = queryset.filter(case_ref=ref) if isinstance(ref, uuid.UUID) else queryset.filter(case_number=ref)
        if cleaned.get("actor"):
            queryset = queryset.filter(actor_username=cleaned["actor"])
        if cleaned.get("since"):
            queryset = queryset.filter(timestamp__gte=cleaned["since"])
        if cleaned.get("until"):
            queryset = queryset.filter(timestamp__lt=cleaned["until"])
        # DRF's cursor pagination over dicts from .values(): the same page, the same next link.
        columns = [c for c in EntryOutput.COLUMNS if c != "content_type_id"]
        rows = queryset.values(*columns, "content_type__model")
        paginator = EntryCursor()
        page = paginator.paginate_queryset(rows, request, view=self) or []
        return paginator.get_paginated_response(
            [
                {
                    "id": row["id"],
                    "timestamp": row["timestamp"].isoformat(),
                    "actor": row["actor_username"],
                    "action": row["event"],
                    "object_type": row["content_type__model"],
                    "object_id": row["object_pk"],
                    "case_number": row["case_number"],
                    "case": str(row["case_ref"]) if row["case_ref"] else None,
                    "remote_addr": row["remote_addr"],
                    "correlation_id": row["cid"],
                    "changed_fields": row["changed_fields"],
                    "fields_shown": row["fields_shown"],
                }
                for row in page
            ]
        )


class BenchLookup(APIView):
    """plain: the blind-index match alone, in the cases and in the referrals, as the real lookup
    answers both (no membership, no decrypting the candidates, no audit entry)."""

    def post(self, request: Request, level: str) -> Response:
        from cases import personnummer
        from cases.models import PNR_INDEX_PURPOSE

        data = YouthLookupApi.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        number = personnummer.normalize_field(data.validated_data["personal_number"], "personal_number")
        index = blind_index(number, purpose=PNR_INDEX_PURPOSE)
        ids = list(Youth.objects.filter(personal_number_index=index).values_list("case_id", flat=True))
        referrals = Referral.objects.filter(personal_number_index=index).order_by("received_at", "id")
        return Response(
            {"cases": [str(i) for i in ids], "referrals": [str(i) for i in referrals.values_list("id", flat=True)]}
        )


class BenchVisitAdd(APIView):
    """plain: the input validated by the real serializer; INSERTs of the visit, its participants
    and the note as sent; no access check, no encryption, no audit. Same response shape."""

    def post(self, request: Request, level: str, case_id: str) -> Response:
        from django.contrib.auth import get_user_model

        data = VisitListApi.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        visit = data.validated_data
        visit_id, note_id, now = uuid.uuid4(), uuid.uuid4(), timezone.now()
        participants = list(
            get_user_model().objects.filter(username__in=visit["participants"]).values_list("id", "username")
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO cases_homevisit (id, case_id, occurred_at, present, source, basis, family_told, outcome, "
                "screening_result, support_offered, follow_up_at, informed_voluntary, created_by_id, created_at) "
                "SELECT %s, c.id, %s, %s, %s, %s, %s, %s, '', %s, %s, %s, %s, %s FROM cases_case c WHERE c.id = %s "
                "RETURNING (SELECT kind FROM cases_agency a WHERE a.id = "
                "(SELECT owning_agency_id FROM cases_case WHERE id = case_id))",
                [
                    visit_id,
                    visit["occurred_at"],
                    json.dumps(visit["present"]),
                    visit.get("source", ""),
                    visit["basis"],
                    visit.get("family_told", ""),
                    visit["outcome"],
                    visit.get("support_offered", ""),
                    visit.get("follow_up_at"),
                    visit.get("informed_voluntary"),
                    request.user.pk,
                    now,
                    case_id,
                ],
            )
            row = cursor.fetchone()
            if row is None:
                raise Http404
            cursor.executemany(
                "INSERT INTO cases_homevisit_participants (homevisit_id, user_id) VALUES (%s, %s)",
                [(visit_id, user_id) for user_id, _name in participants],
            )
            cursor.execute(
                "INSERT INTO cases_visitnote (id, visit_id, case_id, agency_id, author_id, text, created_at) "
                "SELECT %s, %s, id, owning_agency_id, %s, %s, %s FROM cases_case WHERE id = %s",
                [note_id, visit_id, request.user.pk, visit["notes"], now, case_id],
            )
        author = request.user.get_username()
        note = {"id": str(note_id), "agency": row[0], "author": author, "text": visit["notes"], "created_at": now}
        return Response(
            {
                "id": str(visit_id),
                "occurred_at": visit["occurred_at"].isoformat(),
                "participants": [name for _id, name in participants],
                "present": visit["present"],
                "source": visit.get("source", ""),
                "basis": visit["basis"],
                "family_told": visit.get("family_told", ""),
                "notes": visit["notes"],
                "outcome": visit["outcome"],
                "agency_notes": [{**note, "created_at": now.isoformat()}],
                "screening": None,
                "support_offered": visit.get("support_offered", ""),
                "informed_voluntary": visit.get("informed_voluntary"),
                "follow_up_at": visit.get("follow_up_at"),
                "created_by": author,
                "created_at": now.isoformat(),
            },
            status=201,
        )
