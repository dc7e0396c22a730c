"""HTTP for accounts: a coordinator approves a new colleague for emergency access."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services as accounts
from api import inputs
from api.common import user_of


class EmergencyApprovalApi(APIView):
    """A coordinator lets a new account of their agency open emergency access (docs/decisions/0014)."""

    @extend_schema_serializer(component_name="EmergencyApprovalOutput")
    class OutputSerializer(serializers.Serializer):
        id = serializers.UUIDField()
        approved_at = inputs.DateTimeField()

    @extend_schema(
        request=None, responses={201: OutputSerializer}, summary="Approve a new account for emergency access"
    )
    def post(self, request: Request, username: str) -> Response:
        approval = accounts.emergency_approve(actor=user_of(request), username=username)
        return Response(self.OutputSerializer(approval).data, status=status.HTTP_201_CREATED)
