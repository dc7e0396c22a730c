"""HTTP for cases: parse, call a selector or service, serialize. Views never filter cases by hand.

Every case endpoint starts with ``case_get_for_user`` (404 for anyone not on the team) and shows
only the categories the consent policy allows (403 ``consent_required`` when it allows nothing
the endpoint could show). Output serializers are allow-lists.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q, QuerySet, prefetch_related_objects
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cases import selectors, services
from cases.errors import ConsentRequired
from cases.filters import CaseFilter
from cases.models import (
    SOCIAL_SERVICES_ROLES,
    AgencyKind,
    CaseStatus,
    HomeVisit,
    Meeting,
    Note,
    NoteCategory,
    PresentRole,
    Role,
    Track,
    VisitNote,
)
from consent.policy import IDENTITY, MEETINGS, NOTES, VISITS, categories_for_cases

MSG_POLICE_LINKS = _("Police links are shown to social services and, under consent, to the police.")


class Page(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 100


# --- output -----------------------------------------------------------------------------------


class GatedSerializer(serializers.Serializer):
    """Leaves out every field whose information category the caller may not see on this case.

    ``gated`` maps field name to category; the context holds ``categories`` (case id → set). A
    field that is left out is never read, so it is never decrypted either.
    """

    gated: dict[str, str] = {}

    def case_id_of(self, instance: Any) -> Any:
        return instance.case_id

    def to_representation(self, instance: Any) -> dict[str, Any]:
        allowed = self.context["categories"].get(self.case_id_of(instance), frozenset())
        result: dict[str, Any] = {}
        for field in self._readable_fields:
            category = self.gated.get(field.field_name)
            if category is not None and category not in allowed:
                continue
            attribute = field.get_attribute(instance)
            result[field.field_name] = None if attribute is None else field.to_representation(attribute)
        return result


# The case outputs below build their dicts directly instead of DRF's generic walk over the
# declared fields (get_attribute and to_representation per field): a list page is 50 cases and
# that walk was a fifth of the request (profiled, docs/performance.md). The declared fields stay:
# they are the schema, and tests/api/test_case_output.py checks that both give the same output.


_DATETIME = serializers.DateTimeField()  # unbound: the format and time zone come from settings


def _timestamp(value: Any) -> str | None:
    return None if value is None else _DATETIME.to_representation(value)


class YouthOutput(serializers.Serializer):
    given_name = serializers.CharField()
    family_name = serializers.CharField()
    personal_number = serializers.CharField()
    address = serializers.CharField()
    protected_identity = serializers.BooleanField()

    def to_representation(self, instance: Any) -> dict[str, Any]:
        body = {
            "given_name": instance.given_name,
            "family_name": instance.family_name,
            "personal_number": instance.personal_number,
        }
        # Protected identity (skyddade personuppgifter): the address never leaves social services,
        # whatever consent says; it is not even decrypted for anyone else.
        if instance.protected_identity and not self.context.get("social_services"):
            body["protected_identity"] = True
            return body
        body["address"] = instance.address
        body["protected_identity"] = bool(instance.protected_identity)
        return body


class GuardianOutput(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()

    def to_representation(self, instance: Any) -> dict[str, Any]:
        return {"id": str(instance.id), "name": instance.name}


class MemberOutput(serializers.Serializer):
    username = serializers.CharField(source="user.username")
    agency = serializers.CharField(source="user.staff_profile.agency.kind")
    agency_name = serializers.CharField(source="user.staff_profile.agency.name")
    role = serializers.CharField()

    def to_representation(self, instance: Any) -> dict[str, Any]:
        if isinstance(instance, dict):
            return dict(instance)  # a row of selectors.case_member_rows: already this shape
        agency = instance.user.staff_profile.agency
        return {
            "username": instance.user.username,
            "agency": agency.kind,
            "agency_name": agency.name,
            "role": instance.role,
        }


class CaseListOutput(GatedSerializer):
    gated = {"youth": IDENTITY}

    id = serializers.UUIDField()
    number = serializers.CharField()
    track = serializers.CharField()
    status = serializers.CharField()
    district = serializers.CharField()
    opened_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField()
    version = serializers.IntegerField()
    youth = YouthOutput()

    def case_id_of(self, instance: Any) -> Any:
        return instance.pk

    def to_representation(self, instance: Any) -> dict[str, Any]:
        body = {
            "id": str(instance.pk),
            "number": instance.number,
            "track": instance.track,
            "status": instance.status,
            "district": instance.district,
            "opened_at": _timestamp(instance.opened_at),
            "closed_at": _timestamp(instance.closed_at),
            "version": instance.version,
        }
        if IDENTITY in self.context["categories"].get(instance.pk, ()):
            # A nested serializer of its own, not self.fields (which deep-copies every declared
            # field the first time it is read).
            body["youth"] = YouthOutput(context=self.context).to_representation(instance.youth)
        return body


class CaseDetailOutput(CaseListOutput):
    gated = {"youth": IDENTITY, "guardians": IDENTITY, "summary": NOTES}

    guardians = GuardianOutput(many=True, source="guardians.all")
    summary = serializers.CharField()
    members = MemberOutput(many=True, source="member_list")
    categories = serializers.SerializerMethodField()

    def get_categories(self, instance: Any) -> list[str]:
        return sorted(self.context["categories"].get(instance.pk, ()))

    def to_representation(self, instance: Any) -> dict[str, Any]:
        body = super().to_representation(instance)
        allowed = self.context["categories"].get(instance.pk, ())
        if IDENTITY in allowed:
            body["guardians"] = [{"id": str(g.id), "name": g.name} for g in instance.guardians.all()]
        if NOTES in allowed:
            body["summary"] = instance.summary
        body["members"] = [MemberOutput().to_representation(m) for m in instance.member_list]
        body["categories"] = self.get_categories(instance)
        return body


def _case_detail_response(access: selectors.CaseAccess, *, status_code: int = 200) -> Response:
    case = access.case
    case.member_list = selectors.case_member_rows(case=case)  # type: ignore[attr-defined]
    context = {
        "categories": {case.pk: access.categories},
        "social_services": access.profile.role in SOCIAL_SERVICES_ROLES,
    }
    body = CaseDetailOutput(case, context=context).data
    response = Response(body, status=status_code)
    response["ETag"] = f'"{case.version}"'
    return response


def shown(
    request: Request,
    profile: Any,
    view: str,
    cases_shown: dict[Any, set[str]],
    disclosed: dict[Any, set[str]] | None = None,
) -> None:
    """Case content is in this response: one audit entry per case (who, what categories), and,
    when the reader is another agency, a row in the disclosure register with the consents relied on.
    Written in the request's transaction: if they cannot be written, the response is not sent."""
    from audit.services import record_access
    from consent.disclosures import disclosures_record_shown

    record_access(cases_shown=cases_shown, view=view)
    if profile is not None:
        disclosures_record_shown(
            viewer=request.user, profile=profile, shown=cases_shown if disclosed is None else disclosed
        )


def _require_any_category(access: selectors.CaseAccess) -> None:
    if not access.categories:
        raise ConsentRequired


# --- input ------------------------------------------------------------------------------------


class YouthInput(serializers.Serializer):
    personal_number = serializers.CharField(max_length=20)
    given_name = serializers.CharField(max_length=200)
    family_name = serializers.CharField(max_length=200)
    address = serializers.CharField(max_length=500, required=False, allow_blank=True)
    protected_identity = serializers.BooleanField(required=False, default=False)


class GuardianInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    personal_number = serializers.CharField(max_length=20, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=50, required=False, allow_blank=True)
    address = serializers.CharField(max_length=500, required=False, allow_blank=True)
    protected_identity = serializers.BooleanField(required=False, default=False)


class CaseListApi(APIView):
    """GET: the caller's cases. POST: open a case (social services)."""

    @extend_schema_serializer(component_name="CaseCreateInput")
    class InputSerializer(serializers.Serializer):
        track = serializers.ChoiceField(choices=Track.choices)
        youth = YouthInput()
        guardians = GuardianInput(many=True, required=False, max_length=10)
        district = serializers.CharField(max_length=100)
        summary = serializers.CharField(max_length=100_000, required=False, allow_blank=True)

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=CaseStatus.values),
            OpenApiParameter("track", str, enum=Track.values),
            OpenApiParameter("district", str),
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int),
        ],
        responses=CaseListOutput(many=True),
        summary="List the cases the caller is on the team of",
    )
    def get(self, request: Request) -> Response:
        filterset = CaseFilter(request.query_params, queryset=selectors.case_list_for_user(user=request.user))
        if not filterset.is_valid():
            raise serializers.ValidationError(filterset.errors)
        queryset = filterset.qs
        paginator = Page()
        page = paginator.paginate_queryset(queryset, request, view=self) or []
        profile = selectors.staff_profile(request.user)
        categories = categories_for_cases(profile=profile, cases=page) if profile else {}
        context = {"categories": categories, "social_services": bool(profile and profile.is_social_services)}
        body = CaseListOutput(page, many=True, context=context).data
        shown(request, profile, "case-list", {case: {IDENTITY} & categories.get(case.pk, set()) for case in page})
        return paginator.get_paginated_response(body)

    @extend_schema(request=InputSerializer, responses={201: CaseDetailOutput}, summary="Open a case")
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = services.case_open(actor=request.user, **data.validated_data)
        return _case_detail_response(selectors.case_get_for_user(user=request.user, case_id=case.pk), status_code=201)


def _if_match_version(request: Request) -> int | None:
    header = request.headers.get("If-Match", "").strip()
    if not header:
        return None
    value = header.removeprefix("W/").strip('"')
    try:
        return int(value)
    except ValueError:
        return -1  # unparseable: treated as stale, never as a match


class CaseDetailApi(APIView):
    """GET the case; PATCH district or summary with If-Match (lost-update protection)."""

    @extend_schema_serializer(component_name="CasePatchInput")
    class InputSerializer(serializers.Serializer):
        district = serializers.CharField(max_length=100, required=False)
        summary = serializers.CharField(max_length=100_000, required=False, allow_blank=True)

    @extend_schema(responses=CaseDetailOutput, summary="Read a case")
    def get(self, request: Request, case_id: str) -> Response:
        access = selectors.case_get_for_user(user=request.user, case_id=case_id)
        _require_any_category(access)
        response = _case_detail_response(access)
        shown(request, access.profile, "case-detail", {access.case: set(access.categories) & {IDENTITY, NOTES}})
        return response

    @extend_schema(
        request=InputSerializer,
        responses=CaseDetailOutput,
        parameters=[OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=True)],
        summary="Change a case (If-Match required)",
    )
    def patch(self, request: Request, case_id: str) -> Response:
        access = selectors.case_get_for_user(user=request.user, case_id=case_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.case_update(
            actor=request.user,
            case=access.case,
            expected_version=_if_match_version(request),
            changes=data.validated_data,
        )
        return _case_detail_response(selectors.case_get_for_user(user=request.user, case_id=case_id))


class CaseCloseApi(APIView):
    @extend_schema_serializer(component_name="CaseCloseInput")
    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=10_000)

    @extend_schema(request=InputSerializer, responses=CaseDetailOutput, summary="Close a case")
    def post(self, request: Request, case_id: str) -> Response:
        access = selectors.case_get_for_user(user=request.user, case_id=case_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.case_close(actor=request.user, case=access.case, reason=data.validated_data["reason"])
        return _case_detail_response(selectors.case_get_for_user(user=request.user, case_id=case_id))


class CaseMemberAddApi(APIView):
    @extend_schema_serializer(component_name="CaseMemberAddInput")
    class InputSerializer(serializers.Serializer):
        username = serializers.CharField(max_length=150)
        role = serializers.ChoiceField(choices=Role.choices, required=False)

    @extend_schema(request=InputSerializer, responses={201: MemberOutput}, summary="Add a team member")
    def post(self, request: Request, case_id: str) -> Response:
        access = selectors.case_get_for_user(user=request.user, case_id=case_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        member = services.case_member_add(actor=request.user, case=access.case, **data.validated_data)
        return Response(MemberOutput(member).data, status=status.HTTP_201_CREATED)


class CaseMemberRemoveApi(APIView):
    @extend_schema(responses={204: None}, summary="Remove a team member")
    def delete(self, request: Request, case_id: str, username: str) -> Response:
        access = selectors.case_get_for_user(user=request.user, case_id=case_id)
        services.case_member_remove(actor=request.user, case=access.case, username=username)
        return Response(status=status.HTTP_204_NO_CONTENT)


class GuardianAddApi(APIView):
    @extend_schema(request=GuardianInput, responses={201: GuardianOutput}, summary="Register a guardian")
    def post(self, request: Request, case_id: str) -> Response:
        access = selectors.case_get_for_user(user=request.user, case_id=case_id)
        data = GuardianInput(data=request.data)
        data.is_valid(raise_exception=True)
        guardian = services.guardian_add(actor=request.user, case=access.case, data=data.validated_data)
        return Response(GuardianOutput(guardian).data, status=status.HTTP_201_CREATED)


# --- home visits, meetings, notes ---------------------------------------------------------------


class ScreeningIO(serializers.Serializer):
    offered = serializers.BooleanField()
    accepted = serializers.BooleanField(required=False, allow_null=True)
    result = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class VisitNoteOutput(serializers.Serializer):
    id = serializers.UUIDField()
    agency = serializers.CharField(source="agency.kind")
    author = serializers.CharField(source="author.username")
    text = serializers.CharField()
    created_at = serializers.DateTimeField()


class VisitOutput(serializers.Serializer):
    id = serializers.UUIDField()
    occurred_at = serializers.DateTimeField()
    participants = serializers.SerializerMethodField()
    present = serializers.ListField(child=serializers.CharField())
    source = serializers.CharField()
    basis = serializers.CharField()
    family_told = serializers.CharField()
    notes = serializers.SerializerMethodField()
    outcome = serializers.CharField()
    agency_notes = serializers.SerializerMethodField()
    screening = serializers.SerializerMethodField()
    support_offered = serializers.CharField()
    follow_up_at = serializers.DateField()
    created_by = serializers.CharField(source="created_by.username")
    created_at = serializers.DateTimeField()

    def get_participants(self, visit: HomeVisit) -> list[str]:
        return [user.username for user in visit.participants.all()]

    def _visible_notes(self, visit: HomeVisit) -> list[VisitNote]:
        """Each agency's own notes: the caller's agency's always; another agency's only for
        social services or under a consent that shares visits with the caller's agency."""
        access: selectors.CaseAccess = self.context["access"]
        everything = access.profile.role in SOCIAL_SERVICES_ROLES or VISITS in access.categories
        return [n for n in visit.agency_notes.all() if everything or n.agency_id == access.profile.agency_id]

    def get_notes(self, visit: HomeVisit) -> str:
        """API.md's ``notes``: the texts of the notes the caller may see, oldest first."""
        return "\n\n".join(note.text for note in self._visible_notes(visit))

    @extend_schema_field(VisitNoteOutput(many=True))
    def get_agency_notes(self, visit: HomeVisit) -> list[dict[str, Any]]:
        return VisitNoteOutput(self._visible_notes(visit), many=True).data

    def get_screening(self, visit: HomeVisit) -> dict[str, Any] | None:
        if visit.screening_offered is None:
            return None
        return {
            "offered": visit.screening_offered,
            "accepted": visit.screening_accepted,
            "result": visit.screening_result,
        }


_VISIT_NOTES = Prefetch("agency_notes", queryset=VisitNote.objects.select_related("agency", "author"))


def _visits_for(access: selectors.CaseAccess, user: Any) -> QuerySet[HomeVisit]:
    queryset = access.case.visits.select_related("created_by").prefetch_related("participants", _VISIT_NOTES)
    if VISITS in access.categories:
        return queryset
    if access.profile.role == Role.POLICE:
        # Police participants always see the visits they took part in, consent or not (API.md).
        return queryset.filter(participants=user)
    raise ConsentRequired


class VisitListApi(APIView):
    @extend_schema_serializer(component_name="VisitCreateInput")
    class InputSerializer(serializers.Serializer):
        occurred_at = serializers.DateTimeField()
        participants = serializers.ListField(child=serializers.CharField(max_length=150), min_length=2, max_length=20)
        present = serializers.ListField(
            child=serializers.ChoiceField(choices=PresentRole.choices), max_length=10, allow_empty=True
        )
        source = serializers.CharField(max_length=10_000, required=False, allow_blank=True)
        basis = serializers.CharField(max_length=10_000)
        family_told = serializers.CharField(max_length=10_000, required=False, allow_blank=True)
        notes = serializers.CharField(max_length=100_000, allow_blank=True)
        outcome = serializers.CharField(max_length=10_000, allow_blank=True)
        screening = ScreeningIO(required=False)
        support_offered = serializers.CharField(max_length=10_000, required=False, allow_blank=True)
        follow_up_at = serializers.DateField(required=False, allow_null=True)

    @extend_schema(responses=VisitOutput(many=True), summary="List the home visits the caller may see")
    def get(self, request: Request, case_id: str) -> Response:
        access = selectors.case_get_for_user(user=request.user, case_id=case_id)
        paginator = Page()
        page = paginator.paginate_queryset(_visits_for(access, request.user), request, view=self) or []
        body = VisitOutput(page, many=True, context={"access": access}).data
        shown(request, access.profile, "visits", {access.case: {VISITS} if page else set()})
        return paginator.get_paginated_response(body)

    @extend_schema(request=InputSerializer, responses={201: VisitOutput}, summary="Record a joint home visit")
    def post(self, request: Request, case_id: str) -> Response:
        access = selectors.case_get_for_user(user=request.user, case_id=case_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        visit = services.visit_record(actor=request.user, case=access.case, **data.validated_data)
        # The visit just recorded, as the recorder wrote it (the read filter of _visits_for would
        # hide it from a police recorder who is not a participant and has no consent): its
        # participants and notes loaded onto the object in hand, not read back again.
        prefetch_related_objects([visit], "participants", _VISIT_NOTES)
        return Response(VisitOutput(visit, context={"access": access}).data, status=status.HTTP_201_CREATED)


class VisitNoteAddApi(APIView):
    """An agency's own notes on a visit: social services on the team, or police who took part."""

    @extend_schema_serializer(component_name="VisitNoteCreateInput")
    class InputSerializer(serializers.Serializer):
        text = serializers.CharField(max_length=100_000)

    @extend_schema(request=InputSerializer, responses={201: VisitNoteOutput}, summary="Add notes to a visit")
    def post(self, request: Request, case_id: str, visit_id: str) -> Response:
        access = selectors.case_get_for_user(user=request.user, case_id=case_id)
        visit = access.case.visits.filter(pk=visit_id).first()
        if visit is None:
            raise Http404
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        note = services.visit_note_add(actor=request.user, visit=visit, text=data.validated_data["text"])
        return Response(VisitNoteOutput(note).data, status=status.HTTP_201_CREATED)


class ActionIO(serializers.Serializer):
    agency = serializers.ChoiceField(choices=AgencyKind.choices)
    responsible = serializers.CharField(max_length=200)
    action = serializers.CharField(max_length=10_000)
    due_at = serializers.DateField(required=False, allow_null=True)
    done_at = serializers.DateField(required=False, allow_null=True)


class MeetingOutput(serializers.Serializer):
    id = serializers.UUIDField()
    held_at = serializers.DateTimeField()
    notes = serializers.CharField()
    actions = ActionIO(many=True, source="actions.all")
    created_by = serializers.CharField(source="created_by.username")
    created_at = serializers.DateTimeField()


class MeetingListApi(APIView):
    @extend_schema_serializer(component_name="MeetingCreateInput")
    class InputSerializer(serializers.Serializer):
        held_at = serializers.DateTimeField()
        notes = serializers.CharField(max_length=100_000, required=False, allow_blank=True)
        actions = ActionIO(many=True, required=False, max_length=50)

    @extend_schema(responses=MeetingOutput(many=True), summary="List SSPF meetings with their action plans")
    def get(self, request: Request, case_id: str) -> Response:
        access = selectors.case_get_for_user(user=request.user, case_id=case_id)
        if MEETINGS not in access.categories:
            raise ConsentRequired
        queryset = access.case.meetings.select_related("created_by").prefetch_related("actions")
        paginator = Page()
        page = paginator.paginate_queryset(queryset, request, view=self) or []
        body = MeetingOutput(page, many=True).data
        shown(request, access.profile, "meetings", {access.case: {MEETINGS} if page else set()})
        return paginator.get_paginated_response(body)

    @extend_schema(request=InputSerializer, responses={201: MeetingOutput}, summary="Record an SSPF meeting")
    def post(self, request: Request, case_id: str) -> Response:
        access = selectors.case_get_for_user(user=request.user, case_id=case_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        meeting: Meeting = services.meeting_record(actor=request.user, case=access.case, **data.validated_data)
        return Response(MeetingOutput(meeting).data, status=status.HTTP_201_CREATED)


class NoteOutput(serializers.Serializer):
    id = serializers.UUIDField()
    category = serializers.CharField()
    text = serializers.CharField()
    author = serializers.CharField(source="author.username")
    agency = serializers.CharField(source="agency.kind")
    created_at = serializers.DateTimeField()


def _notes_for(access: selectors.CaseAccess) -> QuerySet[Note]:
    """All notes in consented categories, plus every note the caller's own agency wrote."""
    queryset = access.case.notes.select_related("author", "agency")
    if access.profile.role in SOCIAL_SERVICES_ROLES:
        return queryset
    return queryset.filter(Q(category__in=access.categories) | Q(agency_id=access.profile.agency_id))


class NoteListApi(APIView):
    @extend_schema_serializer(component_name="NoteCreateInput")
    class InputSerializer(serializers.Serializer):
        category = serializers.ChoiceField(choices=NoteCategory.choices, default=NoteCategory.NOTES)
        text = serializers.CharField(max_length=100_000)

    @extend_schema(responses=NoteOutput(many=True), summary="List the notes the caller may see")
    def get(self, request: Request, case_id: str) -> Response:
        access = selectors.case_get_for_user(user=request.user, case_id=case_id)
        paginator = Page()
        page = paginator.paginate_queryset(_notes_for(access), request, view=self) or []
        body = NoteOutput(page, many=True).data
        others = {note.category for note in page if note.agency_id != access.profile.agency_id}
        shown(request, access.profile, "notes", {access.case: {note.category for note in page}}, {access.case: others})
        return paginator.get_paginated_response(body)

    @extend_schema(request=InputSerializer, responses={201: NoteOutput}, summary="Add a note")
    def post(self, request: Request, case_id: str) -> Response:
        access = selectors.case_get_for_user(user=request.user, case_id=case_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        note = services.note_add(actor=request.user, case=access.case, **data.validated_data)
        return Response(NoteOutput(note).data, status=status.HTTP_201_CREATED)


class YouthLookupApi(APIView):
    """Find the caller's cases about a person by personal number (POST: never in a URL)."""

    @extend_schema_serializer(component_name="YouthLookupInput")
    class InputSerializer(serializers.Serializer):
        personal_number = serializers.CharField(max_length=20)

    @extend_schema_serializer(component_name="YouthLookupOutput")
    class OutputSerializer(serializers.Serializer):
        cases = serializers.ListField(child=serializers.UUIDField())

    @extend_schema(request=InputSerializer, responses=OutputSerializer, summary="Look up cases by personal number")
    def post(self, request: Request) -> Response:
        profile = selectors.staff_profile(request.user)
        if profile is None or profile.role not in SOCIAL_SERVICES_ROLES:
            raise PermissionDenied(services.MSG_SOCIAL_SERVICES_ONLY)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            ids = selectors.case_ids_by_personal_number(
                user=request.user, personal_number=data.validated_data["personal_number"]
            )
        except services.personnummer.InvalidPersonalNumber as exc:
            raise serializers.ValidationError({"personal_number": [exc.message]}) from None
        return Response(self.OutputSerializer({"cases": ids}).data)


class PoliceLinkOutput(serializers.Serializer):
    id = serializers.UUIDField()
    reference = serializers.CharField()
    linked_by = serializers.CharField(source="linked_by.username")
    linked_at = serializers.DateTimeField()


class PoliceLinkListApi(APIView):
    """Police case references linked to the case. Police link and read them only while consent
    shares something with the police; social services on the team always read them."""

    @extend_schema_serializer(component_name="PoliceLinkCreateInput")
    class InputSerializer(serializers.Serializer):
        reference = serializers.CharField(max_length=100)

    @extend_schema(responses=PoliceLinkOutput(many=True), summary="List police links")
    def get(self, request: Request, case_id: str) -> Response:
        access = selectors.case_get_for_user(user=request.user, case_id=case_id)
        if access.profile.role == Role.POLICE:
            if not access.categories:
                raise ConsentRequired  # a withdrawal hides the links from the police too
        elif access.profile.role not in SOCIAL_SERVICES_ROLES:
            raise PermissionDenied(MSG_POLICE_LINKS)
        queryset = access.case.police_links.select_related("linked_by").order_by("-linked_at", "id")
        paginator = Page()
        page = paginator.paginate_queryset(queryset, request, view=self) or []
        body = PoliceLinkOutput(page, many=True).data
        from audit.services import record_access

        record_access(cases_shown={access.case: {"police_links"} if page else set()}, view="police-links")
        return paginator.get_paginated_response(body)

    @extend_schema(request=InputSerializer, responses={201: PoliceLinkOutput}, summary="Link a police case")
    def post(self, request: Request, case_id: str) -> Response:
        from consent.services import police_link_add

        access = selectors.case_get_for_user(user=request.user, case_id=case_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        link = police_link_add(actor=request.user, case=access.case, reference=data.validated_data["reference"])
        return Response(PoliceLinkOutput(link).data, status=status.HTTP_201_CREATED)


class LegalHoldOutput(serializers.Serializer):
    id = serializers.UUIDField()
    reason = serializers.CharField()
    placed_by = serializers.CharField(source="placed_by.username")
    placed_at = serializers.DateTimeField()
    released_by = serializers.CharField(source="released_by.username", allow_null=True, default=None)
    released_at = serializers.DateTimeField(allow_null=True)


class LegalHoldApi(APIView):
    """Place (POST) or release (DELETE) a legal hold: a held case is never purged."""

    @extend_schema_serializer(component_name="LegalHoldInput")
    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=10_000)

    @extend_schema(request=InputSerializer, responses={201: LegalHoldOutput}, summary="Place a legal hold")
    def post(self, request: Request, case_id: str) -> Response:
        access = selectors.case_get_for_user(user=request.user, case_id=case_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        hold = services.legal_hold_place(actor=request.user, case=access.case, reason=data.validated_data["reason"])
        return Response(LegalHoldOutput(hold).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=LegalHoldOutput, summary="Release the legal hold")
    def delete(self, request: Request, case_id: str) -> Response:
        access = selectors.case_get_for_user(user=request.user, case_id=case_id)
        hold = services.legal_hold_release(actor=request.user, case=access.case)
        return Response(LegalHoldOutput(hold).data)
