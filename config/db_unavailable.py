"""A database that cannot be reached answers 503 with a clear body, never 500.

While PostgreSQL restarts, fails over or refuses connections, every request that needs it gets
``503 {"detail": ..., "code": "database_unavailable"}`` with ``Retry-After``, for the API and the
admin pages alike. Nothing is half-written: each request is one transaction (``ATOMIC_REQUESTS``),
and a connection lost before its commit rolls all of it back. Django drops the broken connection at
the end of the request and the next request opens a new one, so the service is back as soon as
the database is (``make drill-db-faults`` measures it; docs/operations.md).

Two ways in, because Django turns an exception into a response at every middleware layer:
the middleware catches what a view raises (nearly every query runs in a view, the commit too),
and ``server_error`` wraps the 500 handler for what a middleware raises (e.g. writing a denied
attempt's audit entry after the view).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger("config.db_unavailable")

MSG_DATABASE_UNAVAILABLE = _("The service cannot reach its database right now. Try again in a moment.")
CODE = "database_unavailable"
RETRY_AFTER_SECONDS = 5

# SQLSTATE classes that mean "no usable connection", not a fault of this request: connection
# exceptions (08), the server shutting down or starting (57P01-57P03), out of resources (53).
# Other operational errors (a deadlock, a statement timeout) stay 500s: they are bugs to look at.
_UNAVAILABLE_STATES = ("08", "57P01", "57P02", "57P03", "53")


def is_database_unavailable(exc: BaseException | None) -> bool:
    """True for errors that say the database cannot be reached or has dropped the connection."""
    if isinstance(exc, InterfaceError):
        return True  # "connection already closed": the server went away under an open connection
    if not isinstance(exc, OperationalError):
        return False
    sqlstate = getattr(exc.__cause__, "sqlstate", None)
    # No SQLSTATE: the client library's own error (connection refused, server closed the
    # connection unexpectedly, SQLite's file cannot be opened).
    return sqlstate is None or sqlstate.startswith(_UNAVAILABLE_STATES)


def database_unavailable_response(request: HttpRequest, exc: BaseException) -> JsonResponse:
    # The error's text names host and port at most, but it stays out of the response anyway.
    cause = exc.__cause__
    logger.warning(
        "database unavailable on %s %s: %s (%s)",
        request.method,
        request.path,
        type(cause or exc).__name__,
        getattr(cause, "sqlstate", None) or "no sqlstate",
    )
    response = JsonResponse({"detail": str(MSG_DATABASE_UNAVAILABLE), "code": CODE}, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    # Logged once, above, as a warning with the driver's error: not again by django.request as
    # an ERROR per request for the length of an outage (the flag Django's own handlers set).
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


class DatabaseUnavailableMiddleware:
    """Turns a view's lost or refused database connection into a 503 (last in ``MIDDLEWARE``, so
    that it sees the view's exception first)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if is_database_unavailable(exception):
            return database_unavailable_response(request, exception)
        return None


def server_error(fallback: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """``handler500`` that answers 503 when the error being handled is an unreachable database
    (raised outside a view, where the middleware cannot see it) and defers to ``fallback``
    otherwise. Django calls the 500 handler inside its ``except`` block, so the error is at hand."""

    def view(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        exc = sys.exc_info()[1]
        if exc is not None and is_database_unavailable(exc):
            return database_unavailable_response(request, exc)
        return fallback(request, *args, **kwargs)

    return view
