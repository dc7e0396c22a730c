"""Signing in (password and TOTP code in one step), signing out, the user's first enrolment of an
authenticator, and the ping that keeps an active session alive. The rules are the accounts
services' (``accounts.services``): one answer for every failure, django-axes counting each."""

from __future__ import annotations

import base64
import time

import segno
from django.conf import settings
from django.contrib.auth import login as session_login
from django.contrib.auth import logout as session_logout
from django.contrib.auth import user_login_failed
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login

from accounts import services as accounts
from accounts.models import SealedTOTPDevice
from audit.models import AuditEvent
from audit.services import record_login
from web.forms import EnrolConfirmForm, EnrolStartForm, SignInForm
from web.middleware import SIGNED_IN_AT
from web.pages import attempt, form_page
from web.views.common import me, signed_in

ENROLMENT = "web_enrolment"
ENROLMENT_SECONDS = 10 * 60
MSG_ENROLLED = _("Your authenticator is set up and your password changed. Sign in with them now.")
MSG_TIMED_OUT = _("You were signed out after %(minutes)s minutes without activity.")
MSG_ENDED = _("You were signed out: a session lasts at most %(hours)s hours.")
MSG_SIGNED_OUT = _("You are signed out.")
MSG_ENROLMENT_EXPIRED = _("The enrolment took too long. Start again with your enrolment code.")


def locked_out_page(request: HttpRequest) -> HttpResponse:
    """django-axes' lockout, as the sign-in page says it (config.lockout)."""
    form = SignInForm()
    return render(request, "web/login.html", {"form": form, "alert": accounts.MSG_LOCKED_OUT}, status=429)


def _notice(request: HttpRequest) -> object | None:
    if request.GET.get("timeout"):
        return MSG_TIMED_OUT % {"minutes": settings.SESSION_COOKIE_AGE // 60}
    if request.GET.get("ended"):
        return MSG_ENDED % {"hours": settings.TOKEN_ABSOLUTE_HOURS}
    if request.GET.get("out"):
        return MSG_SIGNED_OUT
    if request.GET.get("enrolled"):
        return MSG_ENROLLED
    return None


@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    form = SignInForm(request.POST or None)
    context = {"notice": _notice(request), "next": request.GET.get("next", "")}
    if request.method == "POST" and form.is_valid():
        found = accounts.sign_in_check(
            request=request,
            username=form.cleaned_data["username"],
            password=form.cleaned_data["password"],
            otp=form.cleaned_data["otp"],
        )
        if getattr(request, "axes_locked_out", False):
            return locked_out_page(request)
        if found is not None:
            user, device = found
            user.otp_device = device  # type: ignore[attr-defined]  # django_otp marks the session verified
            session_login(request, user)
            otp_login(request, device)
            request.session[SIGNED_IN_AT] = int(time.time())
            target = request.POST.get("next", "")
            if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}) or not target:
                target = "web:home"
            return redirect(target)
        form.add_error(None, accounts.MSG_BAD_CREDENTIALS)
    return form_page(request, "web/login.html", context, form)


@require_POST
@signed_in
def logout(request: HttpRequest) -> HttpResponse:
    user = me(request)
    record_login(event=AuditEvent.LOGOUT, username=user.get_username(), user=user)
    session_logout(request)
    return redirect("/login/?out=1")


@require_GET
@signed_in
def ping(request: HttpRequest) -> HttpResponse:
    """The warning's "stay signed in": any request moves the idle limit on."""
    return HttpResponse(status=204)


def _enrolment_failed(request: HttpRequest, form: EnrolStartForm, username: str) -> HttpResponse:
    # As the API's: guessing codes counts against the username with django-axes.
    user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)
    record_login(event=AuditEvent.LOGIN_FAILED, username=username)
    if getattr(request, "axes_locked_out", False):
        return locked_out_page(request)
    form.add_error(None, accounts.MSG_ENROLMENT_FAILED)
    return form_page(request, "web/enrol.html", {}, form)


@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest) -> HttpResponse:
    """Step 1: the password an administrator gave and the one-time enrolment code."""
    form = EnrolStartForm(request.POST or None)
    if request.method != "POST" or not form.is_valid():
        return form_page(request, "web/enrol.html", {}, form)
    username = form.cleaned_data["username"]
    code = form.cleaned_data["enrolment_code"]
    device = accounts.enrolment_start(
        request=request, username=username, password=form.cleaned_data["password"], code=code
    )
    row = accounts.enrolment_code_row(user=device.user, code=code) if device is not None else None
    if device is None or row is None or getattr(request, "axes_locked_out", False):
        return _enrolment_failed(request, form, username)
    request.session.cycle_key()
    request.session[ENROLMENT] = {
        "user": device.user_id,
        "code": str(row.pk),
        "until": int(time.time()) + ENROLMENT_SECONDS,
    }
    return redirect("web:enrol-confirm")


@require_http_methods(["GET", "POST"])
def enrol_confirm(request: HttpRequest) -> HttpResponse:
    """Step 2: scan the QR code, type the first code and a new password."""
    started = request.session.get(ENROLMENT)
    if not started or started["until"] < time.time():
        request.session.pop(ENROLMENT, None)
        again = EnrolStartForm()
        again.add_error(None, MSG_ENROLMENT_EXPIRED)
        return form_page(request, "web/enrol.html", {}, again)
    device = SealedTOTPDevice.objects.filter(user_id=started["user"], confirmed=False).first()
    if device is None:
        request.session.pop(ENROLMENT, None)
        return redirect("web:enrol")
    form = EnrolConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = attempt(
            form,
            lambda: accounts.enrolment_continue(
                user_id=started["user"],
                code_id=started["code"],
                otp=form.cleaned_data["otp"],
                new_password=form.cleaned_data["new_password"],
            ),
        )
        if user is not None:
            request.session.pop(ENROLMENT, None)
            return redirect("/login/?enrolled=1")
        if not form.errors:  # the code was spent or expired meanwhile
            request.session.pop(ENROLMENT, None)
            return redirect("web:enrol")
    qr = segno.make(device.config_url, error="m")
    context = {
        "qr": qr.svg_inline(scale=5, title=str(_("QR code for the authenticator app")), svgclass="qr"),
        "secret": base64.b32encode(device.bin_key).decode("ascii"),
    }
    return form_page(request, "web/enrol_confirm.html", context, form)
