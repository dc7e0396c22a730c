"""HTTP for the case team and the guardians: add and remove members, register a guardian."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api import inputs
from api.cases import GuardianInput, GuardianOutput, MemberOutput
from api.common import jsonable, user_of
from cases import services
from cases.models import AgencyKind, Role
from content.access import agencies_list, case_access, member_shares_nothing


class MemberAddedOutput(MemberOutput):
    shares_nothing = inputs.BooleanField(
        help_text="The member's agency sees nothing of the case now: it is a party to no consent that shares."
    )
    warning = inputs.CharField(required=False)


MSG_SHARES_NOTHING = _(
    "No consent names this member's agency as a party, so they see nothing of the case beyond its number. "
    "Record a consent that names the agency if they are to take part."
)


class AgencyListApi(APIView):
    """Every agency, for naming consent parties (any signed-in user)."""

    class AgencyOutput(serializers.Serializer):
        id = serializers.UUIDField()
        name = inputs.CharField()
        kind = serializers.ChoiceField(choices=AgencyKind.choices)

    @extend_schema(responses=AgencyOutput(many=True), summary="List the agencies")
    def get(self, request: Request) -> Response:
        rows = agencies_list(user=user_of(request))
        return Response(jsonable(rows))


class CaseMemberAddApi(APIView):
    @extend_schema_serializer(component_name="CaseMemberAddInput")
    class InputSerializer(serializers.Serializer):
        username = inputs.CharField(max_length=150)
        role = serializers.ChoiceField(choices=Role.choices, required=False)

    @extend_schema(request=InputSerializer, responses={201: MemberAddedOutput}, summary="Add a team member")
    def post(self, request: Request, case_id: str) -> Response:
        access = case_access(user=user_of(request), case_id=case_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        member = services.case_member_add(actor=user_of(request), case=access.case, **data.validated_data)
        agency = member.user.staff_profile.agency  # a team role always has one (staff_team_role_has_agency)
        shares_nothing = member_shares_nothing(case=access.case, user=member.user)
        body = {
            "username": member.user.username,
            "agency": agency.kind,  # type: ignore[union-attr]
            "agency_name": agency.name,  # type: ignore[union-attr]
            "agency_id": agency.pk,  # type: ignore[union-attr]
            "role": member.role,
            "shares_nothing": shares_nothing,
        }
        if shares_nothing:
            body["warning"] = str(MSG_SHARES_NOTHING)
        return Response(jsonable(body), status=status.HTTP_201_CREATED)


class CaseMemberRemoveApi(APIView):
    @extend_schema(responses={204: None}, summary="Remove a team member")
    def delete(self, request: Request, case_id: str, username: str) -> Response:
        access = case_access(user=user_of(request), case_id=case_id)
        services.case_member_remove(actor=user_of(request), case=access.case, username=username)
        return Response(status=status.HTTP_204_NO_CONTENT)


class GuardianAddApi(APIView):
    @extend_schema(request=GuardianInput, responses={201: GuardianOutput}, summary="Register a guardian")
    def post(self, request: Request, case_id: str) -> Response:
        access = case_access(user=user_of(request), case_id=case_id)
        data = GuardianInput(data=request.data)
        data.is_valid(raise_exception=True)
        guardian = services.guardian_add(actor=user_of(request), case=access.case, data=data.validated_data)
        body = {"id": guardian.pk, "name": guardian.name, "custodian": guardian.custodian}
        return Response(jsonable(body), status=status.HTTP_201_CREATED)
