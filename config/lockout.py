"""django-axes' lockout answer (AXES_LOCKOUT_CALLABLE), wherever a lockout is detected: the API's
JSON body for API paths, the web UI's sign-in page with the same Swedish message for the rest; and
the username axes keeps of an attempt (AXES_USERNAME_CALLABLE)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse

from accounts.services import MSG_LOCKED_OUT
from audit.services import tried_username
from web.views.auth import locked_out_page


def lockout_response(request: HttpRequest, original_response: Any = None, credentials: Any = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"detail": str(MSG_LOCKED_OUT), "code": "login_throttled"}, status=429)
    else:
        response = locked_out_page(request)
    response["Cache-Control"] = "no-store"
    return response


def axes_username(request: HttpRequest, credentials: Any = None) -> str | None:
    """The username axes counts and keeps (its admin shows it): ``audit.services.tried_username``,
    so a password or an enrolment code typed into the username box is kept only as a hash."""
    data = credentials or getattr(request, "data", None) or request.POST
    username = data.get("username") if hasattr(data, "get") else None
    return tried_username(username) if isinstance(username, str) else None
