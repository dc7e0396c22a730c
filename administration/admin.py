"""Django admin for administrators: users, their agency and role, and agencies. No case content.

Case models are deliberately not registered: administrators manage people, not cases.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.http import HttpRequest
from django_otp.admin import OTPAdminSite

from api.authentication import tokens_revoke_all
from cases.models import Agency, StaffProfile

# Two-factor is not optional for anyone, administrators included: the admin asks for the code.
admin.site.__class__ = OTPAdminSite


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["name", "kind"]
    list_filter = ["kind"]
    search_fields = ["name"]


class StaffProfileInline(admin.StackedInline):
    model = StaffProfile
    can_delete = False
    fk_name = "user"


class StaffUserAdmin(UserAdmin):
    inlines = [StaffProfileInline]
    list_display = ["username", "first_name", "last_name", "is_active", "staff_profile__role"]
    list_select_related = ["staff_profile"]

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if not obj.is_active:
            # Deactivation ends every session at once, not at the tokens' expiry.
            tokens_revoke_all(user=obj)


admin.site.unregister(get_user_model())
admin.site.register(get_user_model(), StaffUserAdmin)
