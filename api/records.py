"""HTTP for what the team records: home visits and each agency's notes on them, SSPF meetings
with their action plans, notes, and police links. Reads go through the content selectors
(``content.records``), which decide what is shown and record it; writes through the services."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api import inputs
from api.common import jsonable, paged, user_of
from api.schema import PAGING, page_of
from audit.services import entries_together
from cases import services
from cases.models import AgencyKind, MeetingKind, NoteCategory, PresentRole
from consent.services import police_link_add
from content import records
from content.access import case_access


class ScreeningIO(serializers.Serializer):
    offered = inputs.BooleanField()
    accepted = inputs.BooleanField(required=False, allow_null=True)
    result = inputs.CharField(max_length=2000, required=False, allow_blank=True)


class VisitNoteOutput(serializers.Serializer):
    id = serializers.UUIDField()
    agency = serializers.ChoiceField(choices=AgencyKind.choices, help_text="The writing agency's kind.")
    author = inputs.CharField()
    text = inputs.CharField()
    created_at = inputs.DateTimeField()


class VisitOutput(serializers.Serializer):
    id = serializers.UUIDField()
    occurred_at = inputs.DateTimeField()
    participants = serializers.ListField(child=inputs.CharField())
    present = serializers.ListField(child=inputs.CharField())
    # "source" is also an attribute of DRF's Field; the serializer's metaclass takes the field off the class.
    source = inputs.CharField()  # type: ignore[assignment]
    basis = inputs.CharField()
    family_told = inputs.CharField()
    notes = inputs.CharField(help_text="The texts of the agency notes the caller may see, oldest first.")
    outcome = inputs.CharField()
    informed_voluntary = inputs.BooleanField(
        allow_null=True, help_text="Whether the family was told the visit is voluntary; null on visits recorded before."
    )
    agency_notes = VisitNoteOutput(many=True)
    screening = ScreeningIO(allow_null=True)
    support_offered = inputs.CharField()
    follow_up_at = inputs.DateField(allow_null=True)
    created_by = inputs.CharField()
    created_at = inputs.DateTimeField()


class VisitListApi(APIView):
    @extend_schema_serializer(component_name="VisitCreateInput")
    class InputSerializer(serializers.Serializer):
        occurred_at = inputs.DateTimeField()
        participants = serializers.ListField(child=inputs.CharField(max_length=150), min_length=2, max_length=20)
        present = serializers.ListField(
            child=serializers.ChoiceField(choices=PresentRole.choices), max_length=10, allow_empty=True
        )
        # "source": see VisitOutput.
        source = inputs.CharField(max_length=10_000, required=False, allow_blank=True)  # type: ignore[assignment]
        basis = inputs.CharField(max_length=10_000)
        family_told = inputs.CharField(max_length=10_000, required=False, allow_blank=True)
        notes = inputs.CharField(max_length=100_000, allow_blank=True)
        outcome = inputs.CharField(max_length=10_000, allow_blank=True)
        informed_voluntary = inputs.BooleanField(
            help_text="Whether the family was told that the visit is voluntary (required since issue 14)."
        )
        screening = ScreeningIO(required=False)
        support_offered = inputs.CharField(max_length=10_000, required=False, allow_blank=True)
        follow_up_at = inputs.DateField(required=False, allow_null=True)

    @extend_schema(
        parameters=PAGING,
        responses=page_of(VisitOutput),
        operation_id="v1_cases_visits_list",
        summary="List the home visits the caller may see",
    )
    def get(self, request: Request, case_id: str) -> Response:
        return paged(request, records.visits_page, reader=user_of(request), case_id=case_id)

    @extend_schema(request=InputSerializer, responses={201: VisitOutput}, summary="Record a joint home visit")
    def post(self, request: Request, case_id: str) -> Response:
        access = case_access(user=user_of(request), case_id=case_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with entries_together():  # the visit's entry and its note's in one INSERT (docs/performance.md)
            recorded = services.visit_record(actor=user_of(request), case=access.case, **data.validated_data)
        # The visit as its recorder wrote it (the read rule would hide it from a police recorder
        # who is not a participant and has no consent); its own create entry records it.
        shown = records.visit_recorded(access=access, recorded=recorded)
        return Response(jsonable(shown), status=status.HTTP_201_CREATED)


class VisitNoteAddApi(APIView):
    """An agency's own notes on a visit: social services on the team, or police who took part."""

    @extend_schema_serializer(component_name="VisitNoteCreateInput")
    class InputSerializer(serializers.Serializer):
        text = inputs.CharField(max_length=100_000)

    @extend_schema(request=InputSerializer, responses={201: VisitNoteOutput}, summary="Add notes to a visit")
    def post(self, request: Request, case_id: str, visit_id: str) -> Response:
        access = case_access(user=user_of(request), case_id=case_id)
        visit = records.visit_of_case(access=access, visit_id=visit_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        note = services.visit_note_add(actor=user_of(request), visit=visit, text=data.validated_data["text"])
        return Response(jsonable(records.visit_note_shown(note)), status=status.HTTP_201_CREATED)


class ActionInput(serializers.Serializer):
    agency = serializers.ChoiceField(choices=AgencyKind.choices)
    responsible = inputs.CharField(max_length=200)
    responsible_user = inputs.CharField(
        max_length=150,
        required=False,
        allow_null=True,
        help_text="The team member (username) who answers for the item: one of the item's agency.",
    )
    action = inputs.CharField(max_length=10_000)
    due_at = inputs.DateField(required=False, allow_null=True)
    done_at = inputs.DateField(required=False, allow_null=True)


class ActionOutput(serializers.Serializer):
    id = serializers.UUIDField()
    agency = serializers.ChoiceField(choices=AgencyKind.choices)
    responsible = inputs.CharField()
    responsible_user = inputs.CharField(allow_null=True)
    action = inputs.CharField()
    due_at = inputs.DateField(allow_null=True)
    done_at = inputs.DateField(allow_null=True)
    done_by = inputs.CharField(allow_null=True, help_text="Who marked it done through the API.")


class MeetingOutput(serializers.Serializer):
    id = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=MeetingKind.choices)
    held_at = inputs.DateTimeField()
    attendees = serializers.ListField(child=inputs.CharField())
    present = serializers.ListField(child=serializers.ChoiceField(choices=PresentRole.choices))
    notes = inputs.CharField()
    actions = ActionOutput(many=True)
    created_by = inputs.CharField()
    created_at = inputs.DateTimeField()


class MeetingListApi(APIView):
    @extend_schema_serializer(component_name="MeetingCreateInput")
    class InputSerializer(serializers.Serializer):
        held_at = inputs.DateTimeField()
        kind = serializers.ChoiceField(
            choices=MeetingKind.choices,
            required=False,
            help_text="Default: initial for the case's first meeting, follow_up after it.",
        )
        attendees = serializers.ListField(
            child=inputs.CharField(max_length=150), max_length=30, required=False, help_text="Team usernames."
        )
        present = serializers.ListField(
            child=serializers.ChoiceField(choices=PresentRole.choices), max_length=10, required=False
        )
        notes = inputs.CharField(max_length=100_000, required=False, allow_blank=True)
        # DRF hands max_length to the ListSerializer that many=True builds; its stubs omit it.
        actions = ActionInput(many=True, required=False, max_length=50)  # type: ignore[call-arg]

    @extend_schema(
        parameters=PAGING,
        responses=page_of(MeetingOutput),
        operation_id="v1_cases_meetings_list",
        summary="List SSPF meetings with their action plans",
    )
    def get(self, request: Request, case_id: str) -> Response:
        return paged(request, records.meetings_page, reader=user_of(request), case_id=case_id)

    @extend_schema(request=InputSerializer, responses={201: MeetingOutput}, summary="Record an SSPF meeting")
    def post(self, request: Request, case_id: str) -> Response:
        access = case_access(user=user_of(request), case_id=case_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        meeting = services.meeting_record(actor=user_of(request), case=access.case, **data.validated_data)
        return Response(jsonable(records.meeting_recorded(meeting=meeting)), status=status.HTTP_201_CREATED)


class ActionDoneApi(APIView):
    """Mark an action-plan item done (social services on the team, who record meetings); once."""

    @extend_schema_serializer(component_name="ActionDoneInput")
    class InputSerializer(serializers.Serializer):
        done_at = inputs.DateField(required=False, help_text="Default: today. Not in the future.")

    @extend_schema(request=InputSerializer, responses=ActionOutput, summary="Mark an action-plan item done")
    def post(self, request: Request, case_id: str, meeting_id: str, action_id: str) -> Response:
        access = case_access(user=user_of(request), case_id=case_id)
        item = records.action_item_of_case(access=access, meeting_id=meeting_id, action_id=action_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        done = services.action_item_done(actor=user_of(request), item=item, **data.validated_data)
        return Response(jsonable(records.action_shown(done)))


class NoteOutput(serializers.Serializer):
    id = serializers.UUIDField()
    category = inputs.CharField()
    text = inputs.CharField()
    author = inputs.CharField()
    agency = serializers.ChoiceField(choices=AgencyKind.choices, help_text="The writing agency's kind.")
    created_at = inputs.DateTimeField()


class NoteListApi(APIView):
    @extend_schema_serializer(component_name="NoteCreateInput")
    class InputSerializer(serializers.Serializer):
        category = serializers.ChoiceField(choices=NoteCategory.choices, default=NoteCategory.NOTES)
        text = inputs.CharField(max_length=100_000)

    @extend_schema(
        parameters=PAGING,
        responses=page_of(NoteOutput),
        operation_id="v1_cases_notes_list",
        summary="List the notes the caller may see",
    )
    def get(self, request: Request, case_id: str) -> Response:
        return paged(request, records.notes_page, reader=user_of(request), case_id=case_id)

    @extend_schema(request=InputSerializer, responses={201: NoteOutput}, summary="Add a note")
    def post(self, request: Request, case_id: str) -> Response:
        access = case_access(user=user_of(request), case_id=case_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        note = services.note_add(actor=user_of(request), case=access.case, **data.validated_data)
        return Response(jsonable(records.note_shown(note)), status=status.HTTP_201_CREATED)


class PoliceLinkOutput(serializers.Serializer):
    id = serializers.UUIDField()
    reference = inputs.CharField()
    linked_by = inputs.CharField()
    linked_at = inputs.DateTimeField()


class PoliceLinkListApi(APIView):
    """Police case references linked to the case (``content.records.police_links_page``)."""

    @extend_schema_serializer(component_name="PoliceLinkCreateInput")
    class InputSerializer(serializers.Serializer):
        reference = inputs.CharField(max_length=100)

    @extend_schema(
        parameters=PAGING,
        responses=page_of(PoliceLinkOutput),
        operation_id="v1_cases_police_links_list",
        summary="List police links",
    )
    def get(self, request: Request, case_id: str) -> Response:
        return paged(request, records.police_links_page, reader=user_of(request), case_id=case_id)

    @extend_schema(request=InputSerializer, responses={201: PoliceLinkOutput}, summary="Link a police case")
    def post(self, request: Request, case_id: str) -> Response:
        access = case_access(user=user_of(request), case_id=case_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        link = police_link_add(actor=user_of(request), case=access.case, reference=data.validated_data["reference"])
        return Response(jsonable(records.police_link_shown(link)), status=status.HTTP_201_CREATED)
