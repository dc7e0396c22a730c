"""What the web UI's views share: signed in with a verified second factor, the signed-in user
typed as the services take it, and the page asked for."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.models import User
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from content.paging import PageRequest

PAGE_SIZE = "25"


def signed_in(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Deny by default: every page but sign-in and enrolment needs a session that passed both
    the password and the TOTP code (django-otp's ``is_verified``)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        # is_verified is django-otp's (OTPMiddleware), which the stubs do not know.
        if not user.is_authenticated or not user.is_active or not user.is_verified():  # type: ignore[attr-defined]
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapper


def me(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - signed_in has let only a real user through
    return user


def page_request(request: HttpRequest, size: str = PAGE_SIZE) -> PageRequest:
    return PageRequest(number=request.GET.get("page"), size=size)
