"""Who is calling, from where, under which correlation id: derived once per request.

The client address is ``REMOTE_ADDR`` unless the direct peer is a configured trusted proxy, in
which case the right-most untrusted ``X-Forwarded-For`` entry is used (the left-most one is
whatever the client wrote). A client-sent ``X-Correlation-ID`` is kept only if it is a short token
of safe characters; otherwise the server makes one.
"""

from __future__ import annotations

import ipaddress
import re
import uuid
from contextvars import ContextVar, Token
from dataclasses import dataclass, replace
from typing import Any

from django.conf import settings
from django.http import HttpRequest

_CORRELATION_RE = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
CORRELATION_HEADER = "X-Correlation-ID"


def _is_trusted(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for entry in settings.TRUSTED_PROXIES:
        try:
            if ip in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


def client_ip(request: HttpRequest) -> str:
    """The caller's address, believing X-Forwarded-For only as far as trusted proxies vouch."""
    peer = request.META.get("REMOTE_ADDR", "") or ""
    if not settings.TRUSTED_PROXIES or not _is_trusted(peer):
        return peer
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    for hop in reversed(forwarded):
        if not _is_trusted(hop):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer
    return peer


def correlation_id(request: HttpRequest) -> str:
    supplied = request.headers.get(CORRELATION_HEADER, "")
    if supplied and _CORRELATION_RE.match(supplied):
        return supplied
    return uuid.uuid4().hex


@dataclass(frozen=True)
class RequestContext:
    """Who is acting, from where, under which correlation id, for the audit entries of this request."""

    actor: Any = None
    remote_addr: str = ""
    correlation_id: str = ""


_EMPTY = RequestContext()
_current: ContextVar[RequestContext | None] = ContextVar("audit_request_context", default=None)


def current() -> RequestContext:
    return _current.get() or _EMPTY


def begin(*, remote_addr: str, correlation_id: str) -> Token[RequestContext | None]:
    """Start a request's context; returns a token for ``end``."""
    return _current.set(RequestContext(remote_addr=remote_addr, correlation_id=correlation_id))


def end(token: Token[RequestContext | None]) -> None:
    _current.reset(token)


def set_actor(actor: Any) -> None:
    """Called by the authentication class once DRF knows the user (auditlog's own middleware runs
    before DRF authenticates a bearer token, so it would log every change as anonymous)."""
    _current.set(replace(current(), actor=actor))


# The entries gathered for one multi-row INSERT (audit.services.entries_together), or None when
# each entry is inserted as it is made.
_gathered: ContextVar[list[Any] | None] = ContextVar("audit_gathered_entries", default=None)


def gathered() -> list[Any] | None:
    return _gathered.get()


def gather() -> Token[list[Any] | None]:
    return _gathered.set([])


def stop_gathering(token: Token[list[Any] | None]) -> None:
    _gathered.reset(token)
