"""Login and logout. Two-factor is mandatory: a password without a valid TOTP code is a failure.

Failures are answered as plain responses rather than raised, because a raised error rolls the
request's transaction back and would erase django-axes' record of the failed attempt.
"""

from __future__ import annotations

import base64
from typing import Any

from django.contrib.auth import authenticate, user_logged_in, user_logged_out, user_login_failed
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from knox.models import AuthToken
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services as accounts
from accounts.models import SealedTOTPDevice
from api import inputs
from api.authentication import tokens_remove_expired
from api.common import user_of
from audit.models import AuditEvent
from audit.services import record_login

MSG_BAD_CREDENTIALS = accounts.MSG_BAD_CREDENTIALS
MSG_LOCKED_OUT = accounts.MSG_LOCKED_OUT
MSG_ENROLMENT_FAILED = accounts.MSG_ENROLMENT_FAILED


class LoginApi(APIView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema_serializer(component_name="LoginInput")
    class InputSerializer(serializers.Serializer):
        username = inputs.CharField(max_length=150)
        password = inputs.CharField(max_length=128, trim_whitespace=False)
        otp = serializers.RegexField(r"^\d{6}$", max_length=6)

    @extend_schema_serializer(component_name="LoginOutput")
    class OutputSerializer(serializers.Serializer):
        token = inputs.CharField()
        expires_at = inputs.DateTimeField()

    @extend_schema(
        request=InputSerializer,
        responses={200: OutputSerializer, 401: None, 429: None},
        auth=[],
        summary="Log in with username, password and a TOTP code",
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        username = data.validated_data["username"]
        django_request = request._request
        user = authenticate(django_request, username=username, password=data.validated_data["password"])
        if getattr(django_request, "axes_locked_out", False):
            record_login(event=AuditEvent.LOGIN_FAILED, username=username)
            return Response({"detail": str(MSG_LOCKED_OUT), "code": "login_throttled"}, status=429)
        if user is None:
            record_login(event=AuditEvent.LOGIN_FAILED, username=username)
            return self._failed()
        # Lock the device row so that one code cannot be accepted by two concurrent logins.
        device = SealedTOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
        if device is None or not device.verify_token(data.validated_data["otp"]):
            user_login_failed.send(sender=__name__, credentials={"username": username}, request=django_request)
            record_login(event=AuditEvent.LOGIN_FAILED, username=username, user=user)
            return self._failed()
        tokens_remove_expired(user=user)
        instance, token = AuthToken.objects.create(user=user)
        user_logged_in.send(sender=user.__class__, request=django_request, user=user)
        record_login(event=AuditEvent.LOGIN, username=username, user=user)
        return Response(self.OutputSerializer({"token": token, "expires_at": instance.expiry}).data)

    def _failed(self) -> Response:
        response = Response({"detail": str(MSG_BAD_CREDENTIALS), "code": "login_failed"}, status=401)
        response["WWW-Authenticate"] = "Bearer"
        return response


class LogoutApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None}, summary="Revoke the token in use")
    def post(self, request: Request) -> Response:
        request.auth.delete()
        user = user_of(request)
        user_logged_out.send(sender=user.__class__, request=request._request, user=user)
        record_login(event=AuditEvent.LOGOUT, username=user.get_username(), user=user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class _EnrolmentInput(serializers.Serializer):
    username = inputs.CharField(max_length=150)
    password = inputs.CharField(max_length=128, trim_whitespace=False)
    enrolment_code = inputs.CharField(max_length=64)


def _enrolment_failed(request: Request, username: str) -> Response:
    # The same as a failed login for django-axes: guessing codes locks the username out too.
    user_login_failed.send(sender=__name__, credentials={"username": username}, request=request._request)
    record_login(event=AuditEvent.LOGIN_FAILED, username=username)
    response = Response({"detail": str(MSG_ENROLMENT_FAILED), "code": "enrolment_failed"}, status=401)
    response["WWW-Authenticate"] = "Bearer"
    return response


def _enrol(request: Request, serializer: Any, service: Any) -> tuple[Any, Response | None]:
    """Validate, call the enrolment service with the request's fields; (its result, None), or
    (None, the failure to answer) when locked out or any credential is wrong."""
    data = serializer(data=request.data)
    data.is_valid(raise_exception=True)
    values = dict(data.validated_data)
    username = values.pop("username")
    code = values.pop("enrolment_code")
    result = service(request=request._request, username=username, code=code, **values)
    if getattr(request._request, "axes_locked_out", False):
        return None, Response({"detail": str(MSG_LOCKED_OUT), "code": "login_throttled"}, status=429)
    if result is None:
        return None, _enrolment_failed(request, username)
    return result, None


class EnrolStartApi(APIView):
    """Step 1 of the user's own enrolment: password + one-time enrolment code give a new TOTP
    secret, shown this once (docs/decisions/0014-four-eyes-grants-and-enrolment.md)."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema_serializer(component_name="EnrolStartInput")
    class InputSerializer(_EnrolmentInput):
        pass

    @extend_schema_serializer(component_name="EnrolStartOutput")
    class OutputSerializer(serializers.Serializer):
        otpauth_uri = inputs.CharField()
        secret = inputs.CharField()

    @extend_schema(
        request=InputSerializer,
        responses={200: OutputSerializer, 401: None, 429: None},
        auth=[],
        summary="Start enrolling an authenticator with the password and a one-time enrolment code",
    )
    def post(self, request: Request) -> Response:
        device, failed = _enrol(request, self.InputSerializer, accounts.enrolment_start)
        if failed is not None:
            return failed
        secret = base64.b32encode(device.bin_key).decode("ascii")
        response = Response(self.OutputSerializer({"otpauth_uri": device.config_url, "secret": secret}).data)
        response["Cache-Control"] = "no-store"
        return response


class EnrolConfirmApi(APIView):
    """Step 2: the first code from the new authenticator and a new password (the administrator's
    initial one stops working) confirm the enrolment and spend the enrolment code."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema_serializer(component_name="EnrolConfirmInput")
    class InputSerializer(_EnrolmentInput):
        otp = serializers.RegexField(r"^\d{6}$", max_length=6)
        new_password = inputs.CharField(max_length=128, trim_whitespace=False)

    @extend_schema(
        request=InputSerializer,
        responses={204: None, 400: None, 401: None, 429: None},
        auth=[],
        summary="Confirm the authenticator with its first code and set a new password",
    )
    def post(self, request: Request) -> Response:
        _user, failed = _enrol(request, self.InputSerializer, accounts.enrolment_confirm)
        if failed is not None:
            return failed
        return Response(status=status.HTTP_204_NO_CONTENT)
