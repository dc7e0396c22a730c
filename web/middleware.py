"""The web UI's session rules and error pages.

``WebSessionMiddleware``: a browser session ends ``TOKEN_ABSOLUTE_HOURS`` after sign-in whatever
its use (the idle limit is the session cookie's age, moved on by every request:
``SESSION_SAVE_EVERY_REQUEST``). It also answers the UI's pages' errors with a page in Swedish
instead of the API's JSON: a case the user may not open is the same "not found" as one that does
not exist, and a denied attempt is audited as the API's are.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from audit.services import mark_denied
from cases.errors import MSG_CONSENT_REQUIRED, MSG_NOT_FOUND, Conflict, ConsentRequired, safe_messages
from content.paging import InvalidPage
from web.pages import error_page

SIGNED_IN_AT = "web_signed_in_at"
NOT_WEB = ("/api/", "/admin/", "/healthz", "/static/")


def is_web_path(path: str) -> bool:
    return not path.startswith(NOT_WEB)


class WebSessionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            started = request.session.get(SIGNED_IN_AT)
            now = int(time.time())
            if started is None:
                request.session[SIGNED_IN_AT] = now  # the admin's sign-in: counted from first sight
            elif now - int(started) > settings.TOKEN_ABSOLUTE_HOURS * 3600:
                logout(request)
                if is_web_path(request.path):
                    return redirect(reverse("web:login") + "?ended=1")
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_web_path(request.path):
            return None
        match = getattr(request, "resolver_match", None)
        case_id = match.kwargs.get("case_id") if match is not None else None
        view = match.view_name if match is not None else ""
        if isinstance(exception, Http404 | InvalidPage):
            mark_denied(request=request, case_id=case_id, code="not_found", view=view)
            return error_page(request, 404, MSG_NOT_FOUND)
        if isinstance(exception, ConsentRequired):
            mark_denied(request=request, case_id=case_id, code="consent_required", view=view)
            return error_page(request, 403, MSG_CONSENT_REQUIRED)
        if isinstance(exception, PermissionDenied):
            mark_denied(request=request, case_id=case_id, code="permission_denied", view=view)
            return error_page(request, 403, exception.args[0] if exception.args else None)
        if isinstance(exception, Conflict):
            return error_page(request, 409, exception.message)
        if isinstance(exception, ValidationError):
            return error_page(request, 400, " ".join(safe_messages(exception)))
        return None
