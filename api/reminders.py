"""HTTP for reminders: the caller's own, computed per request (oversight.reminders)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api import inputs
from api.common import jsonable, user_of
from oversight.reminders import KINDS, reminders_for


class ReminderOutput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=list(KINDS))
    due_at = inputs.DateTimeField()
    case = serializers.UUIDField(required=False)
    referral = serializers.UUIDField(required=False)
    consent = serializers.UUIDField(required=False)


class ReminderListApi(APIView):
    """The caller's open reminders, soonest first: ids and dates, never personal data."""

    @extend_schema(responses=ReminderOutput(many=True), summary="The caller's open reminders")
    def get(self, request: Request) -> Response:
        return Response(jsonable(reminders_for(user=user_of(request))))
