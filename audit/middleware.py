"""Per-request context: correlation id (echoed in the response) and no-store caching."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from audit import context
from audit.context import CORRELATION_HEADER, client_ip, correlation_id
from audit.services import flush_denied


class RequestContextMiddleware:
    """Sets ``request.correlation_id`` and ``request.client_ip``; marks every response no-store.

    No response of this service may be kept by a browser or a proxy: they all may carry
    personal data, and errors included.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        cid, ip = correlation_id(request), client_ip(request)
        # Attributes of our own on Django's request, which its stubs do not declare.
        request.correlation_id = cid  # type: ignore[attr-defined]
        request.client_ip = ip  # type: ignore[attr-defined]
        token = context.begin(remote_addr=ip, correlation_id=cid)
        try:
            response = self.get_response(request)
            # Denied attempts are written here, after the view's transaction was rolled back.

            flush_denied(request)
        finally:
            context.end(token)
        response["Cache-Control"] = "no-store"
        response["Pragma"] = "no-cache"
        response[CORRELATION_HEADER] = cid
        return response


class SessionActorMiddleware:
    """For session logins (the Django admin): name the signed-in user as the actor of the
    request's audit entries. Bearer-token requests are named by the authentication class."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.COOKIES.get(settings.SESSION_COOKIE_NAME):
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                context.set_actor(user)
        return self.get_response(request)
