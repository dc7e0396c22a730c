"""Django admin for administrators: users, their agency and role, and agencies. No case content.

Case models are deliberately not registered: administrators manage people, not cases. And one
administrator alone cannot make anyone able to read cases (docs/decisions/0014): role, agency,
staff and superuser status change only through an access grant a second administrator approves;
nobody sets another user's password here; authenticators are enrolled by their users only and
are neither shown nor created here.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.apps import apps
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.filters import SimpleListFilter
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_otp.admin import OTPAdminSite
from knox.models import AuthToken

from accounts import services as accounts
from accounts.models import AccessGrant, GrantStatus
from administration.forms import AdminLoginForm
from cases.models import Agency, StaffProfile


class SSPFAdminSite(OTPAdminSite):
    """django-otp's admin site (two-factor for everyone, administrators included), in the web UI's
    colours and words, with what waits for a second administrator on its start page."""

    site_header = _("SSPF case coordination: administration")
    site_title = _("SSPF administration")
    index_title = _("Users and agencies")
    login_form = AdminLoginForm
    login_template = "administration/login.html"
    index_template = "administration/index.html"

    def index(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        waiting = accounts.grants_waiting(actor=request.user)  # type: ignore[arg-type]
        response: HttpResponse = super().index(request, {**(extra_context or {}), "grants_waiting": waiting})
        return response


# The default site becomes ours (Django's autodiscovery registers on admin.site); the code asked
# for in one step with the password, one answer for every failure (administration/forms.py).
admin.site.__class__ = SSPFAdminSite

MSG_NO_PASSWORDS = _("Administrators do not set other users' passwords.")
MSG_USERNAME_ASCII = _("A username is lowercase letters a-z, digits and . _ - only.")
USERNAME_PATTERN = re.compile(r"[a-z0-9._-]{2,150}")
MSG_CHOOSE_ON_PAGE = _("Tick the requests to approve one by one on the page; not every request on every page at once.")

# What a declared list filter puts in the URL after its field's name (Django's field filters).
FILTER_SUFFIXES = frozenset({"exact", "isnull", "gte", "lt", "id__exact"})


class DeclaredFiltersOnly:
    """Only the list filters a page declares may filter it. Django also accepts any lookup one
    relation deep from the URL (``/admin/auth/user/?owned_cases=<id>``, ``?case_memberships__isnull=
    False``, ``?token_key__startswith=a``): a question about cases, answered by a row count."""

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        declared = set()
        for item in self.get_list_filter(request):  # type: ignore[attr-defined]
            if isinstance(item, type) and issubclass(item, SimpleListFilter):
                declared.add(item.parameter_name)
            elif isinstance(item, list | tuple):
                declared.add(item[0])
            else:
                declared.add(item)
        field, _sep, rest = lookup.partition("__")
        return lookup in declared or (field in declared and rest in FILTER_SUFFIXES)


def declared_filters_only(site: admin.AdminSite) -> None:
    """Give every registered admin, the libraries' too (axes), ``DeclaredFiltersOnly``: called from
    ``AdministrationConfig.ready``, after every app's admin module has registered."""
    for model, model_admin in list(site._registry.items()):
        if isinstance(model_admin, DeclaredFiltersOnly):
            continue
        cls = type(model_admin)
        site.unregister(model)
        site.register(model, type(cls.__name__, (DeclaredFiltersOnly, cls), {"__module__": cls.__module__}))


def _unregister(model: Any) -> None:
    if admin.site.is_registered(model):
        admin.site.unregister(model)


# django-otp's own device admins would show and accept TOTP keys; groups are the roles' mirror.
for _label in ("otp_totp.TOTPDevice", "otp_static.StaticDevice", "otp_email.EmailDevice"):
    try:
        _unregister(apps.get_model(_label))
    except LookupError:
        pass
_unregister(Group)

# knox's own admin creates a token for any user and shows it once: an API session as that user
# without their password or code, and past the four eyes. Ours lists and revokes, nothing else.
_unregister(AuthToken)


@admin.register(AuthToken)
class AuthTokenAdmin(DeclaredFiltersOnly, admin.ModelAdmin):
    """Signed-in API sessions: who, since when, until when; revoking one is deleting it. Never
    created here; the token's prefix is not shown (the digest, a one-way hash, is the row's key)."""

    list_display = ["user", "created", "expiry"]
    list_select_related = ["user"]
    search_fields = ["user__username"]
    fields = ["user", "created", "expiry"]
    readonly_fields = ["user", "created", "expiry"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Agency)
class AgencyAdmin(DeclaredFiltersOnly, admin.ModelAdmin):
    """Agencies are named and renamed here (audited); never deleted: a consent names agencies as its
    parties, and teams, staff and the disclosure register point at them."""

    list_display = ["name", "kind"]
    list_filter = ["kind"]
    search_fields = ["name"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Agency | None = None) -> Any:
        # Turning a school into social services would hand its staff social services' reach.
        return ["kind"] if obj is not None else []


class StaffProfileInline(admin.StackedInline):
    model = StaffProfile
    can_delete = False
    fk_name = "user"
    # Not emergency_until: who broke the glass, and until when, is the auditors' to see, not the
    # administrators'.
    fields = ["role", "agency"]
    readonly_fields = ["role", "agency"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # role and agency come only through an approved access grant


class StaffUserChangeForm(UserChangeForm):
    password = None  # type: ignore[assignment]  # not even the masked hash with its reset link


class StaffUserCreationForm(AdminUserCreationForm):
    """A new account's username in plain lowercase letters, digits and ``. _ -``: an approver reads
    requests by username, and "аlice" with a Cyrillic а would read as alice."""

    def clean_username(self) -> str:
        username: str = self.cleaned_data["username"]
        if not USERNAME_PATTERN.fullmatch(username):
            raise ValidationError(MSG_USERNAME_ASCII, code="invalid")
        return username


class StaffUserAdmin(DeclaredFiltersOnly, UserAdmin):
    form = StaffUserChangeForm
    add_form = StaffUserCreationForm
    inlines = [StaffProfileInline]
    list_display = ["username", "first_name", "last_name", "is_active", "staff_profile__role"]
    list_select_related = ["staff_profile"]
    # No password field at all (not even Django's masked summary with its "reset" link).
    fieldsets = (
        (None, {"fields": ("username",)}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    readonly_fields = ["is_staff", "is_superuser", "groups", "user_permissions", "last_login", "date_joined"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(self.readonly_fields)
        if obj is not None:
            # The username is what the log names: renaming it would re-attribute earlier reads.
            fields.append("username")
            if not obj.is_active:
                # Deactivating is one administrator's to do; re-activating is a grant (four eyes).
                fields.append("is_active")
        return fields

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Deactivate instead: the log, cases and consents keep naming the account, and Django's
        # "are you sure" page would list the cases it is tied to.
        return False

    def get_inlines(self, request: HttpRequest, obj: Any) -> Any:
        return self.inlines if obj is not None else []  # a new account has no profile until a grant

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if not change:
            accounts.account_created(actor=request.user, user=obj)  # type: ignore[arg-type]

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        # One's own password is changed at /admin/password_change/; nobody else's here.
        raise Http404(MSG_NO_PASSWORDS)


_unregister(get_user_model())
admin.site.register(get_user_model(), StaffUserAdmin)


class AccessGrantForm(forms.ModelForm):
    actor: User

    class Meta:
        model = AccessGrant
        fields = ["user", "role", "agency", "is_staff", "is_superuser", "reactivate", "enrolment"]

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        user = data.get("user")
        if user is not None:
            try:
                accounts.grant_check(
                    actor=self.actor,
                    user=user,
                    role=data.get("role") or "",
                    agency=data.get("agency"),
                    reactivate=bool(data.get("reactivate")),
                )
            except PermissionDenied as exc:
                raise ValidationError(str(exc)) from None
        return data


@admin.register(AccessGrant)
class AccessGrantAdmin(DeclaredFiltersOnly, admin.ModelAdmin):
    """Request a grant (add), and approve or reject other administrators' requests (actions)."""

    form = AccessGrantForm
    list_display = [
        "user",
        "role",
        "agency",
        "is_staff",
        "is_superuser",
        "reactivate",
        "enrolment",
        "status",
        "requested_by",
    ]
    list_filter = ["status"]
    actions = ["approve", "reject"]
    readonly_fields = ["status", "requested_by", "requested_at", "decided_by", "decided_at"]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        return type("AccessGrantRequestForm", (form,), {"actor": request.user})

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a request is decided, never edited

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: AccessGrant, form: Any, change: bool) -> None:
        grant = accounts.grant_request(
            actor=request.user,  # type: ignore[arg-type]
            user=obj.user,
            role=obj.role,
            agency=obj.agency,
            is_staff=obj.is_staff,
            is_superuser=obj.is_superuser,
            enrolment=obj.enrolment,
            reactivate=obj.reactivate,
        )
        obj.pk = grant.pk
        obj._state.adding = False

    @admin.action(description=_("Approve the selected requests"))
    def approve(self, request: HttpRequest, queryset: QuerySet[AccessGrant]) -> HttpResponse | None:
        if request.POST.get("select_across") == "1":
            # "Select all N" would approve requests this administrator never saw.
            self.message_user(request, MSG_CHOOSE_ON_PAGE, messages.ERROR)
            return None
        codes = []
        for grant in queryset.filter(status=GrantStatus.PENDING).select_related("user"):
            try:
                code = accounts.grant_approve(actor=request.user, grant=grant)  # type: ignore[arg-type]
            except (PermissionDenied, ValidationError) as exc:
                self.message_user(request, " ".join(getattr(exc, "messages", [str(exc)])), messages.ERROR)
                continue
            if code is not None:
                codes.append((grant.user.get_username(), code))
        if not codes:
            return None
        # The codes go into this one response, never into messages (a cookie) or the database.
        response = TemplateResponse(
            request,
            "administration/enrolment_codes.html",
            {
                **self.admin_site.each_context(request),
                "codes": codes,
                "hours": settings.ENROLMENT_CODE_HOURS,
                # The page the user enrols on; the code is never part of a URL.
                "enrol_url": request.build_absolute_uri(reverse("web:enrol")),
                "back": request.get_full_path(),
                "title": _("Enrolment codes"),
            },
        )
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description=_("Reject the selected requests"))
    def reject(self, request: HttpRequest, queryset: QuerySet[AccessGrant]) -> None:
        for grant in queryset.filter(status=GrantStatus.PENDING):
            try:
                accounts.grant_reject(actor=request.user, grant=grant)  # type: ignore[arg-type]
            except (PermissionDenied, ValidationError) as exc:
                self.message_user(request, " ".join(getattr(exc, "messages", [str(exc)])), messages.ERROR)
