"""The admin's login form: username, password and code in one step, with one answer for every
failure, so the page is no password oracle (django-otp's form asks for the code, and lists the
user's devices, only after a right password)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import authenticate, user_login_failed
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import SealedTOTPDevice
from audit.models import AuditEvent
from audit.services import record_login

MSG_ADMIN_LOGIN_FAILED = _("The username, password or code is wrong, or the account may not use the admin.")


class AdminLoginForm(AdminAuthenticationForm):
    otp_token = forms.CharField(label=_("Code from the authenticator app"), max_length=8, required=False)

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "invalid_login": MSG_ADMIN_LOGIN_FAILED,
        "inactive": MSG_ADMIN_LOGIN_FAILED,
    }

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        password = self.cleaned_data.get("password") or ""
        token = self.cleaned_data.get("otp_token") or ""
        user = authenticate(self.request, username=username, password=password) if username and password else None
        # The same work whatever the password: find the device of the named user and check the
        # code without recording anything; only a right password goes on to spend the code.
        device = SealedTOTPDevice.objects.filter(user__username=username, confirmed=True).first()
        matches = device is not None and device.token_matches(token)
        allowed = user is not None and user.is_active and user.is_staff
        if user is not None and (not matches or not allowed or device is None or device.user_id != user.pk):
            user_login_failed.send(sender=__name__, credentials={"username": username}, request=self.request)
            user = None
        elif user is not None and device is not None and not device.verify_token(token):
            user = None  # the same code twice, or the device is throttled
        if user is None:
            # Every failure alike in the log too: the username tried, never password or code.
            record_login(event=AuditEvent.LOGIN_FAILED, username=username)
            raise ValidationError(MSG_ADMIN_LOGIN_FAILED, code="invalid_login")
        record_login(event=AuditEvent.LOGIN, username=username, user=user)
        user.otp_device = device  # type: ignore[attr-defined]  # django_otp's user_logged_in handler marks the session verified
        self.user_cache = user
        return self.cleaned_data
