"""django-axes' lockout answer (AXES_LOCKOUT_CALLABLE), wherever a lockout is detected: the API's
JSON body for API paths, the web UI's sign-in page with the same Swedish message for the rest."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse

from accounts.services import MSG_LOCKED_OUT
from web.views.auth import locked_out_page


def lockout_response(request: HttpRequest, original_response: Any = None, credentials: Any = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"detail": str(MSG_LOCKED_OUT), "code": "login_throttled"}, status=429)
    else:
        response = locked_out_page(request)
    response["Cache-Control"] = "no-store"
    return response
