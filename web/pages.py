"""What every page of the web UI shares: rendering with the right status, error pages, and
putting a service's refusal next to the form field it names, in the service's own words."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from cases.errors import MSG_STALE, Conflict, PreconditionFailed, TooLarge, safe_messages

T = TypeVar("T")

ERROR_TITLES = {
    400: _("The request could not be carried out"),
    403: _("Not allowed"),
    404: _("Not found"),
    409: _("Not possible now"),
}


def error_page(request: HttpRequest, status: int, message: Any) -> HttpResponse:
    return render(
        request,
        "web/error.html",
        {"title": ERROR_TITLES.get(status, ERROR_TITLES[400]), "message": message, "status": status},
        status=status,
    )


def attach_errors(form: forms.Form, exc: ValidationError, fields: dict[str, str] | None = None) -> None:
    """Put a service's ValidationError on ``form``: each error next to the field it names (the
    service's ``youth.personal_number`` is the form's ``youth_personal_number``, or the name
    ``fields`` maps it to), the rest at the top of the form."""
    fields = fields or {}
    if not hasattr(exc, "error_dict"):
        for message in safe_messages(exc):
            form.add_error(None, message)
        return
    for name, errors in exc.error_dict.items():
        target = fields.get(name) or name.replace(".", "_")
        if target not in form.fields:
            target = fields.get(name.split(".")[0]) or name.split(".")[0]
        for message in safe_messages(ValidationError(errors)):
            form.add_error(target if target in form.fields else None, message)


def attempt(form: forms.Form, call: Callable[[], T], fields: dict[str, str] | None = None) -> T | None:
    """Call a service for a valid ``form`` in a savepoint: its result, or None with the refusal on
    the form (a field's error beside the field; a conflict or a stale version at the top).
    Nothing the service half-wrote survives a refusal."""
    try:
        with transaction.atomic():
            return call()
    except ValidationError as exc:
        attach_errors(form, exc, fields)
    except (Conflict, TooLarge) as exc:
        form.add_error(None, str(exc.message))
    except PreconditionFailed:
        form.add_error(None, str(MSG_STALE))
    return None  # a PermissionDenied or Http404 goes on to the error page (web.middleware)


def form_page(request: HttpRequest, template: str, context: dict[str, Any], form: forms.Form) -> HttpResponse:
    """A form page: 200, or 400 when the form carries errors (it comes back filled in, secrets
    excepted: password widgets do not render their value)."""
    return render(request, template, {**context, "form": form}, status=400 if form.errors else 200)
