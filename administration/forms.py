"""The admin's login form: username, password and code in one step, with one answer for every
failure, so the page is no password oracle (django-otp's form asks for the code, and lists the
user's devices, only after a right password)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts import services as accounts

MSG_ADMIN_LOGIN_FAILED = _("The username, password or code is wrong, or the account may not use the admin.")


class AdminLoginForm(AdminAuthenticationForm):
    otp_token = forms.CharField(label=_("Code from the authenticator app"), max_length=8, required=False)

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "invalid_login": MSG_ADMIN_LOGIN_FAILED,
        "inactive": MSG_ADMIN_LOGIN_FAILED,
    }

    def clean(self) -> dict[str, Any]:
        found = accounts.sign_in_check(
            request=self.request,
            username=self.cleaned_data.get("username") or "",
            password=self.cleaned_data.get("password") or "",
            otp=self.cleaned_data.get("otp_token") or "",
            staff_only=True,
        )
        if found is None:
            raise ValidationError(MSG_ADMIN_LOGIN_FAILED, code="invalid_login")
        user, device = found
        user.otp_device = device  # type: ignore[attr-defined]  # django_otp's user_logged_in handler marks the session verified
        self.user_cache = user
        return self.cleaned_data
