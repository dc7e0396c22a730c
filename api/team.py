"""HTTP for the case team and the guardians: add and remove members, register a guardian."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.cases import GuardianInput, GuardianOutput, MemberOutput
from api.common import jsonable, user_of
from cases import services
from cases.models import Role
from content.access import case_access


class CaseMemberAddApi(APIView):
    @extend_schema_serializer(component_name="CaseMemberAddInput")
    class InputSerializer(serializers.Serializer):
        username = serializers.CharField(max_length=150)
        role = serializers.ChoiceField(choices=Role.choices, required=False)

    @extend_schema(request=InputSerializer, responses={201: MemberOutput}, summary="Add a team member")
    def post(self, request: Request, case_id: str) -> Response:
        access = case_access(user=user_of(request), case_id=case_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        member = services.case_member_add(actor=user_of(request), case=access.case, **data.validated_data)
        agency = member.user.staff_profile.agency  # a team role always has one (staff_team_role_has_agency)
        body = {
            "username": member.user.username,
            "agency": agency.kind,  # type: ignore[union-attr]
            "agency_name": agency.name,  # type: ignore[union-attr]
            "role": member.role,
        }
        return Response(body, status=status.HTTP_201_CREATED)


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
        return Response(jsonable({"id": guardian.pk, "name": guardian.name}), status=status.HTTP_201_CREATED)
