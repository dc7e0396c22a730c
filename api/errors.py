"""The one API exception handler: every error becomes one body.

Services raise Django's ``ValidationError`` / ``PermissionDenied`` and the exceptions of
``cases.errors``; this maps them to ``{"detail", "code"}`` or, for 400, ``{"field": ["message", ...]}``
(API.md). No error ever carries a stack trace or a submitted value.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from audit.services import mark_denied
from cases.errors import (
    MSG_CONSENT_REQUIRED,
    MSG_NOT_FOUND,
    MSG_PRECONDITION_REQUIRED,
    MSG_STALE,
    MSG_TOO_LARGE,
    Conflict,
    ConsentRequired,
    PreconditionFailed,
    PreconditionRequired,
    TooLarge,
    safe_messages,
)

logger = logging.getLogger("api")


def _body(detail: Any, code: str) -> dict[str, Any]:
    return {"detail": str(detail), "code": code}


def _validation_body(exc: ValidationError) -> dict[str, Any]:
    """Field errors as DRF's serializers nest them: a service's ``youth.personal_number`` or
    ``guardians.0.name`` becomes ``{"youth": {"personal_number": [...]}}`` / ``{"guardians": {"0": ...}}``."""
    if hasattr(exc, "error_dict"):
        body: dict[str, Any] = {}
        for field, errors in exc.error_dict.items():
            node = body
            *parents, leaf = field.split(".")
            for part in parents:
                node = node.setdefault(part, {})
            node[leaf] = _messages(errors)
        return body
    return {"non_field_errors": _messages(exc)}


def _messages(errors: Any) -> list[str]:
    return safe_messages(errors)


MSG_INVALID_CHOICE = _("This is not one of the allowed values.")
# DRF's messages that repeat what was sent ("\"x\" is not a valid choice."): replaced whole.
ECHOING_CODES = frozenset({"invalid_choice", "not_a_list", "invalid_pk_value", "does_not_exist"})


def _without_echo(detail: Any) -> Any:
    """A DRF error detail with every message that would repeat a submitted value replaced."""
    if isinstance(detail, dict):
        return {key: _without_echo(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_without_echo(value) for value in detail]
    if getattr(detail, "code", None) in ECHOING_CODES:
        return str(MSG_INVALID_CHOICE)
    return detail


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's EXCEPTION_HANDLER. Every handled error also rolls the request's transaction back."""
    response: Response | None
    if isinstance(exc, RequestDataTooBig):
        response = Response(_body(MSG_TOO_LARGE, "request_too_large"), status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    elif isinstance(exc, TooLarge):
        response = Response(_body(exc.message, "file_too_large"), status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    elif isinstance(exc, ValidationError):
        response = Response(_validation_body(exc), status=status.HTTP_400_BAD_REQUEST)
    elif isinstance(exc, ConsentRequired):
        response = Response(_body(MSG_CONSENT_REQUIRED, "consent_required"), status=status.HTTP_403_FORBIDDEN)
    elif isinstance(exc, PermissionDenied):
        message = exc.args[0] if exc.args else exceptions.PermissionDenied.default_detail
        response = Response(_body(message, "permission_denied"), status=status.HTTP_403_FORBIDDEN)
    elif isinstance(exc, Http404):
        response = Response(_body(MSG_NOT_FOUND, "not_found"), status=status.HTTP_404_NOT_FOUND)
    elif isinstance(exc, Conflict):
        response = Response(_body(exc.message, exc.code), status=status.HTTP_409_CONFLICT)
    elif isinstance(exc, PreconditionFailed):
        response = Response(_body(MSG_STALE, "stale_version"), status=status.HTTP_412_PRECONDITION_FAILED)
    elif isinstance(exc, PreconditionRequired):
        response = Response(
            _body(MSG_PRECONDITION_REQUIRED, "precondition_required"),
            status=status.HTTP_428_PRECONDITION_REQUIRED,
        )
    elif isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response = Response(_without_echo(detail), status=exc.status_code)
    elif isinstance(exc, exceptions.APIException):
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else exc.default_code
        response = Response(_body(exc.detail, str(code)), status=exc.status_code)
        if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
            response["WWW-Authenticate"] = 'Bearer realm="api"'
            response.status_code = status.HTTP_401_UNAUTHORIZED
        wait = getattr(exc, "wait", None)  # Throttled's seconds (DRF's stubs do not declare it)
        if wait:
            response["Retry-After"] = str(int(wait))
    else:
        return None
    if response.status_code in (403, 404) and context.get("request") is not None:
        # A denied attempt is audited; written after this transaction is rolled back.
        kwargs = context.get("kwargs") or {}
        mark_denied(
            request=context["request"]._request,
            case_id=kwargs.get("case_id"),
            code=str(response.data.get("code", response.status_code)) if isinstance(response.data, dict) else "",
            view=type(context.get("view")).__name__,
        )
    set_rollback()
    return response


def json_error_view(status_code: int, message: Any, code: str) -> Callable[..., JsonResponse]:
    def view(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
        if status_code >= 500:
            logger.error("unhandled error on %s", request.path)
        return JsonResponse(_body(message, code), status=status_code)

    return view
