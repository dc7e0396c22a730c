"""HTTP for referrals (orosanmälan) and intake: filing, the intake queue, one referral, and social
services' decision. Reads go through ``content.referrals`` (which decides what is shown and
records it), writes through ``referrals.services``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api import inputs
from api.common import jsonable, paged, user_of
from api.schema import PAGING, page_of
from cases.models import AgencyKind, Track
from content import referrals as content
from referrals import services
from referrals.models import DECISIONS, ReferralStatus

# DRF's own message repeats the value sent ("\"x\" is not a valid choice."); a value sent may be
# personal data typed into the wrong field, so no error body repeats it.
MSG_INVALID_CHOICE = _("This is not one of the allowed values.")


class ReferralYouthOutput(serializers.Serializer):
    personal_number = inputs.CharField()
    given_name = inputs.CharField()
    family_name = inputs.CharField()


class ReferralOutput(serializers.Serializer):
    """A referral: its reporter sees ``id``, ``number``, ``status``, ``received_at`` and
    ``decided_at`` only; social services see the rest too."""

    id = serializers.UUIDField()
    number = inputs.CharField()
    status = serializers.ChoiceField(choices=ReferralStatus.choices)
    received_at = inputs.DateTimeField()
    decided_at = inputs.DateTimeField(allow_null=True)
    urgent = inputs.BooleanField(required=False, help_text="Social services only.")
    # "source" is also an attribute of DRF's Field; the serializer's metaclass takes the field off the class.
    source = serializers.ChoiceField(  # type: ignore[assignment]
        choices=AgencyKind.choices, required=False, help_text="The reporter's kind of agency. Social services only."
    )
    agency = inputs.CharField(required=False, help_text="The reporter's agency. Social services only.")
    reporter = inputs.CharField(required=False, help_text="The reporter's username. Social services only.")
    youth = ReferralYouthOutput(required=False, help_text="Social services only.")
    concern = inputs.CharField(required=False, help_text="Social services only.")
    reason = inputs.CharField(
        required=False, allow_null=True, help_text="The decision's reason, null until decided. Social services only."
    )
    decided_by = inputs.CharField(required=False, allow_null=True, help_text="Social services only.")
    case = serializers.UUIDField(
        required=False, allow_null=True, help_text="The case opened from the referral. Social services only."
    )


class ReferralYouthInput(serializers.Serializer):
    personal_number = inputs.CharField(max_length=20)
    given_name = inputs.CharField(max_length=200)
    family_name = inputs.CharField(max_length=200)


class ReferralListApi(APIView):
    """GET: the intake queue (social services) or the caller's own referrals. POST: file one."""

    @extend_schema_serializer(component_name="ReferralCreateInput")
    class InputSerializer(serializers.Serializer):
        youth = ReferralYouthInput()
        concern = inputs.CharField(max_length=20_000)
        urgent = inputs.BooleanField(required=False, default=False)

    @extend_schema_serializer(component_name="ReferralCreateOutput")
    class OutputSerializer(serializers.Serializer):
        id = serializers.UUIDField()
        number = inputs.CharField()
        status = serializers.ChoiceField(choices=ReferralStatus.choices)
        received_at = inputs.DateTimeField()

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=ReferralStatus.values),
            *PAGING,
        ],
        responses=page_of(ReferralOutput),
        operation_id="v1_referrals_list",
        summary="The intake queue (social services) or the caller's own referrals",
    )
    def get(self, request: Request) -> Response:
        return paged(request, content.referral_page, reader=user_of(request), filters=request.query_params)

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer}, summary="File a referral")
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        referral = services.referral_file(actor=user_of(request), **data.validated_data)
        # What the reporter just wrote, recorded by its create entry: the number, not the content.
        return Response(self.OutputSerializer(referral).data, status=status.HTTP_201_CREATED)


class ReferralDetailApi(APIView):
    @extend_schema(responses=ReferralOutput, summary="Read a referral")
    def get(self, request: Request, referral_id: str) -> Response:
        return Response(jsonable(content.referral_detail(reader=user_of(request), referral_id=referral_id)))


class ReferralDecideApi(APIView):
    """Social services decide: open a case from the referral, no action, or handled elsewhere."""

    @extend_schema_serializer(component_name="ReferralDecideInput")
    class InputSerializer(serializers.Serializer):
        decision = serializers.ChoiceField(
            choices=[d.value for d in DECISIONS], error_messages={"invalid_choice": MSG_INVALID_CHOICE}
        )
        reason = inputs.CharField(max_length=10_000)
        track = serializers.ChoiceField(
            choices=Track.choices,
            error_messages={"invalid_choice": MSG_INVALID_CHOICE},
            required=False,
            help_text="Required for open_case.",
        )
        district = inputs.CharField(max_length=100, required=False, help_text="Required for open_case.")

    @extend_schema(request=InputSerializer, responses=ReferralOutput, summary="Decide a referral")
    def post(self, request: Request, referral_id: str) -> Response:
        referral = content.referral_for_decision(user=user_of(request), referral_id=referral_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.referral_decide(actor=user_of(request), referral=referral, **data.validated_data)
        body = content.referral_detail(reader=user_of(request), referral_id=referral.pk, view="referral-decide")
        return Response(jsonable(body))
