"""Writes about accounts: revoking credentials, grants under four eyes, the user's own enrolment
of an authenticator, and coordinators' approval of emergency access for new accounts.

Every function audits in its own transaction (audit.services.record). docs/decisions/0014 says
why the design closes the administrator's way to an account that reads cases.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate, get_user_model, password_validation, user_login_failed
from django.contrib.auth.models import Group, User
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user
from knox.models import AuthToken

from accounts.models import AccessGrant, AccountOrigin, EmergencyApproval, EnrolmentCode, GrantStatus, SealedTOTPDevice
from audit.models import AuditEvent
from audit.services import record, record_login
from cases.models import ROLE_AGENCY_KIND, Role, StaffProfile

MSG_OWN_GRANT = _("Another administrator must approve or reject this request; nobody decides their own.")
MSG_GRANT_FOR_ONESELF = _("Ask another administrator to request changes to your own account.")
MSG_CREATOR_GETS_NO_CODE = _(
    "You created this account and know its first password: another administrator must approve its enrolment code."
)
MSG_GRANT_DECIDED = _("This request has already been decided.")
MSG_REACTIVATE_ACTIVE = _("The account is active: there is nothing to re-activate.")
MSG_ROLE_NEEDS_AGENCY = _("This role needs an agency of the kind it belongs to.")
MSG_ROLE_NO_AGENCY = _("Auditors and administrators belong to no agency.")
MSG_AGENCY_NEEDS_ROLE = _("Name the role the user is to have in this agency.")
MSG_ENROLMENT_FAILED = _("The username, password or enrolment code is wrong, or the code has expired.")
MSG_ENROLMENT_CODE_WRONG = _("The code from the authenticator app is wrong.")
MSG_NEW_PASSWORD_SAME = _("Choose a new password that differs from the one you were given.")
MSG_EMERGENCY_NEW_ACCOUNT = _(
    "Your account is new: a coordinator of your agency must approve it before you can open emergency access."
)
MSG_COORDINATORS_ONLY = _("Only a coordinator of the same agency may approve this.")
MSG_BAD_CREDENTIALS = _("The username, password or code is wrong.")
MSG_LOCKED_OUT = _("Too many failed attempts. Wait a while and try again.")


# --- revoking ------------------------------------------------------------------------------


def credentials_revoke(*, user: Any, reason: str) -> int:
    """Delete every bearer token and every Django session of ``user``, for good, and audit it.

    Called by the signal on every password change and deactivation (accounts.signals), whatever
    the path. Sessions are found by decoding the live ones (a row names its user only inside
    its data, and its key is a hash: ``accounts.sessions``), one pass over the web UI's and the
    admin's live sessions per password change. Returns the number of tokens deleted."""
    deleted, _by_model = AuthToken.objects.filter(user=user).delete()
    user_id = str(user.pk)
    stale = [
        session.pk
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if str(session.get_decoded().get("_auth_user_id")) == user_id
    ]
    Session.objects.filter(pk__in=stale).delete()
    record(
        event=AuditEvent.TOKEN_REVOKED,
        model=get_user_model(),
        object_pk=user_id,
        actor_username="",
        extra={"reason": reason, "tokens": deleted, "sessions": len(stale)},
    )
    return int(deleted)


def authenticators_remove(*, user: Any) -> int:
    """Delete every authenticator of a deactivated ``user`` and every enrolment code not yet used.
    An account that comes back (a re-activation grant, under four eyes) enrols anew with a code
    only the approving administrator saw: the old phone, and whoever holds it, stays out."""
    devices = list(devices_for_user(user, confirmed=None))
    for device in devices:
        device.delete()
    EnrolmentCode.objects.filter(user=user, used_at__isnull=True).delete()
    return len(devices)


def account_created(*, actor: User, user: User) -> AccountOrigin:
    """Remember that ``actor`` created ``user`` in the admin (and so set its first password)."""
    return AccountOrigin.objects.create(user=user, created_by=actor)


# --- grants --------------------------------------------------------------------------------


def _grant_extra(grant: AccessGrant) -> dict[str, Any]:
    return {
        "grant": str(grant.pk),
        "user": str(grant.user_id),
        "role": grant.role,
        "agency": str(grant.agency_id) if grant.agency_id else "",
        "is_staff": grant.is_staff,
        "is_superuser": grant.is_superuser,
        "enrolment": grant.enrolment,
        "reactivate": grant.reactivate,
    }


def grant_check(*, actor: User, user: User, role: str, agency: Any, reactivate: bool = False) -> None:
    """Raise if the request is malformed: for oneself, a role without its kind of agency, or a
    re-activation of an account that is active (it would wait, unseen, for a later deactivation)."""
    if user.pk == actor.pk:
        raise PermissionDenied(MSG_GRANT_FOR_ONESELF)
    if reactivate and user.is_active:
        raise ValidationError({"reactivate": MSG_REACTIVATE_ACTIVE})
    if role:
        kind = ROLE_AGENCY_KIND.get(role)
        if kind is None and agency is not None:
            raise ValidationError({"agency": MSG_ROLE_NO_AGENCY})
        if kind is not None and (agency is None or agency.kind != kind):
            raise ValidationError({"agency": MSG_ROLE_NEEDS_AGENCY})
    elif agency is not None:
        raise ValidationError({"role": MSG_AGENCY_NEEDS_ROLE})


@transaction.atomic
def grant_request(
    *,
    actor: User,
    user: User,
    role: str = "",
    agency: Any = None,
    is_staff: bool = False,
    is_superuser: bool = False,
    enrolment: bool = False,
    reactivate: bool = False,
) -> AccessGrant:
    """An administrator asks for a change to what ``user`` may reach; nothing changes yet.
    Audited as ``grant_requested``."""
    grant_check(actor=actor, user=user, role=role, agency=agency, reactivate=reactivate)
    grant = AccessGrant(
        user=user,
        role=role,
        agency=agency,
        is_staff=is_staff,
        is_superuser=is_superuser,
        enrolment=enrolment,
        reactivate=reactivate,
        requested_by=actor,
    )
    grant.full_clean()
    grant.save()
    record(
        event=AuditEvent.GRANT_REQUESTED,
        model=AccessGrant,
        object_pk=str(grant.pk),
        actor=actor,
        extra=_grant_extra(grant),
    )
    return grant


def _decide(*, actor: User, grant: AccessGrant, status: str, event: str) -> AccessGrant:
    """Lock the pending grant, refuse its requester and its subject, record the decision."""
    locked = AccessGrant.objects.select_for_update(of=("self",)).select_related("user", "agency").get(pk=grant.pk)
    if locked.status != GrantStatus.PENDING:
        raise ValidationError(MSG_GRANT_DECIDED)
    if actor.pk in (locked.requested_by_id, locked.user_id):
        raise PermissionDenied(MSG_OWN_GRANT)
    if (
        status == GrantStatus.APPROVED
        and locked.enrolment
        and AccountOrigin.objects.filter(user_id=locked.user_id, created_by=actor).exists()
    ):
        # Password and code must never meet in one administrator's hands.
        raise PermissionDenied(MSG_CREATOR_GETS_NO_CODE)
    locked.status = status
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.full_clean()
    locked.save()
    record(event=event, model=AccessGrant, object_pk=str(locked.pk), actor=actor, extra=_grant_extra(locked))
    return locked


def _apply(grant: AccessGrant) -> None:
    """Role and agency (when the grant names a role), and staff and superuser status as the grant
    says: a grant can take them away as well as give them."""
    user = grant.user
    if grant.role:
        profile = StaffProfile.objects.filter(user=user).first() or StaffProfile(user=user)
        old_role = profile.role
        profile.role = grant.role
        profile.agency = grant.agency
        profile.full_clean()
        profile.save()
        if old_role and old_role != grant.role:
            user.groups.remove(*Group.objects.filter(name=old_role))
        group, _created = Group.objects.get_or_create(name=grant.role)
        user.groups.add(group)
    user.is_staff = grant.is_staff or grant.is_superuser
    user.is_superuser = grant.is_superuser
    fields = ["is_staff", "is_superuser"]
    if grant.reactivate:
        user.is_active = True
        fields.append("is_active")
    user.save(update_fields=fields)


@transaction.atomic
def grant_approve(*, actor: User, grant: AccessGrant) -> str | None:
    """A second administrator approves: the change takes effect now. Returns the one-time
    enrolment code if the grant asked for one (shown to the approver once, stored only hashed).
    Audited as ``grant_approved``; the requester cannot approve, nor can the grant's subject."""
    locked = _decide(actor=actor, grant=grant, status=GrantStatus.APPROVED, event=AuditEvent.GRANT_APPROVED)
    if locked.reactivate and locked.user.is_active:
        raise ValidationError({"reactivate": MSG_REACTIVATE_ACTIVE})  # active again since the request
    _apply(locked)
    if not locked.enrolment:
        return None
    return enrolment_code_issue(user=locked.user, grant=locked, issued_to=actor)


@transaction.atomic
def grant_reject(*, actor: User, grant: AccessGrant) -> AccessGrant:
    """A second administrator rejects: nothing changes. Audited as ``grant_rejected``."""
    return _decide(actor=actor, grant=grant, status=GrantStatus.REJECTED, event=AuditEvent.GRANT_REJECTED)


def grants_waiting(*, actor: User) -> dict[str, int]:
    """What waits for a second administrator, as the admin's start page shows it: requests this
    administrator may decide (someone else's, not about themselves) and their own still waiting."""
    pending = AccessGrant.objects.filter(status=GrantStatus.PENDING)
    return {
        "to_decide": pending.exclude(requested_by=actor).exclude(user=actor).count(),
        "own": pending.filter(requested_by=actor).count(),
    }


# --- enrolment -----------------------------------------------------------------------------


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode("utf-8")).hexdigest()


def enrolment_code_issue(*, user: User, grant: AccessGrant | None, issued_to: User | None) -> str:
    """A new one-time enrolment code for ``user`` (earlier unused ones stop working). Only its
    digest is stored; the code itself is returned once. Audited as ``enrolment_issued``."""
    now = timezone.now()
    EnrolmentCode.objects.filter(user=user, used_at__isnull=True).update(used_at=now)
    code = secrets.token_urlsafe(20)
    EnrolmentCode.objects.create(
        user=user,
        digest=_digest(code),
        grant=grant,
        issued_to=issued_to,
        expires_at=now + timedelta(hours=settings.ENROLMENT_CODE_HOURS),
    )
    record(
        event=AuditEvent.ENROLMENT_ISSUED,
        model=get_user_model(),
        object_pk=str(user.pk),
        actor=issued_to,
        extra={"grant": str(grant.pk) if grant else ""},
    )
    return code


def _enrolment_check(*, request: HttpRequest | None, username: str, password: str, code: str) -> tuple[Any, Any]:
    """(user, enrolment code row) if all three are right and the code is live, else None, None."""
    user = authenticate(request, username=username, password=password)
    row = (
        EnrolmentCode.objects.select_for_update()
        .filter(digest=_digest(code), used_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if user is None or row is None or row.user_id != user.pk:
        return None, None
    return user, row


@transaction.atomic
def enrolment_start(*, request: HttpRequest | None, username: str, password: str, code: str) -> SealedTOTPDevice | None:
    """The user (password + enrolment code) gets a new, unconfirmed authenticator; its secret is
    shown once by the caller. None if any of the three is wrong (the caller answers generically)."""
    user, _row = _enrolment_check(request=request, username=username, password=password, code=code)
    if user is None:
        return None
    SealedTOTPDevice.objects.filter(user=user, confirmed=False).delete()
    device = SealedTOTPDevice(user=user, name="enrolled", confirmed=False)
    device.save()
    return device


@transaction.atomic
def enrolment_confirm(
    *, request: HttpRequest | None, username: str, password: str, code: str, otp: str, new_password: str
) -> User | None:
    """The user proves the new authenticator with its first code and replaces the password an
    administrator set: the enrolment code is spent, every other authenticator of the user is
    removed (and with the password change every token and session, accounts.signals). Audited as
    ``enrolled``. None if the credentials are wrong; ValidationError for a wrong code or password."""
    user, row = _enrolment_check(request=request, username=username, password=password, code=code)
    if user is None:
        return None
    return _enrolment_finish(user=user, row=row, otp=otp, new_password=new_password)


@transaction.atomic
def enrolment_continue(*, user_id: int, code_id: Any, otp: str, new_password: str) -> User | None:
    """Step 2 of the web UI's enrolment (``web.views.auth``): the browser session holds who passed
    step 1 (password and enrolment code, checked by ``enrolment_start``) and which code row, never
    the password or the code. The same finish as ``enrolment_confirm``; None if the code has been
    spent or has expired since."""
    row = (
        EnrolmentCode.objects.select_for_update()
        .filter(pk=code_id, user_id=user_id, used_at__isnull=True, expires_at__gt=timezone.now())
        .select_related("user")
        .first()
    )
    if row is None or not row.user.is_active:
        return None
    return _enrolment_finish(user=row.user, row=row, otp=otp, new_password=new_password)


def _enrolment_finish(*, user: Any, row: EnrolmentCode, otp: str, new_password: str) -> User:
    device = SealedTOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
    if device is None or not device.verify_token(otp):
        raise ValidationError({"otp": MSG_ENROLMENT_CODE_WRONG})
    if user.check_password(new_password):
        raise ValidationError({"new_password": MSG_NEW_PASSWORD_SAME})
    password_validation.validate_password(new_password, user)
    row.used_at = timezone.now()
    row.save(update_fields=["used_at"])
    SealedTOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save()
    user.set_password(new_password)
    user.save()
    record_login(event=AuditEvent.ENROLLED, username=user.get_username(), user=user)
    enrolled: User = user
    return enrolled


def enrolment_code_row(*, user: Any, code: str) -> EnrolmentCode | None:
    """The live code row ``code`` of ``user`` (for the web UI's step 1 to remember its id)."""
    return EnrolmentCode.objects.filter(
        digest=_digest(code), user=user, used_at__isnull=True, expires_at__gt=timezone.now()
    ).first()


# --- signing in ----------------------------------------------------------------------------------


def sign_in_check(
    *, request: HttpRequest | None, username: str, password: str, otp: str, staff_only: bool = False
) -> tuple[User, SealedTOTPDevice] | None:
    """Username, password and a TOTP code in one step, for the browser (the web UI, and the admin
    with ``staff_only``): the user and their device, or None, with one answer for every failure and
    the same work whatever the password (no password oracle, issue 15 item 4). A right password
    with a wrong code counts as a failure for django-axes. Audits the login or the failure (the
    username tried, never the password or code); the caller logs the session in."""
    user = authenticate(request, username=username, password=password) if username and password else None
    # Find the device of the named user and check the code without recording anything, whatever
    # the password; only a right password goes on to spend the code.
    device = SealedTOTPDevice.objects.filter(user__username=username, confirmed=True).first()
    matches = device is not None and device.token_matches(otp)
    allowed = user is not None and user.is_active and (user.is_staff or not staff_only)
    if user is not None and (not matches or not allowed or device is None or device.user_id != user.pk):
        user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)
        user = None
    elif user is not None and device is not None and not device.verify_token(otp):
        user = None  # the same code twice, or the device is throttled
    if user is None or device is None:
        record_login(event=AuditEvent.LOGIN_FAILED, username=username)
        return None
    record_login(event=AuditEvent.LOGIN, username=username, user=user)
    return user, device


def device_bootstrap(*, user: User, name: str = "bootstrap") -> SealedTOTPDevice:
    """A confirmed authenticator without enrolment: for the bootstrap path only (seed_demo, the
    tests, an operator's shell), like cases.services.staff_create. Nothing in the admin or the API
    calls it."""
    SealedTOTPDevice.objects.filter(user=user).delete()
    device = SealedTOTPDevice(user=user, name=name, confirmed=True)
    device.save()
    return device


# --- emergency access for new accounts ------------------------------------------------------


def active_since(user: User) -> Any:
    """When the account last became usable: created, or re-activated by an approved grant."""
    reactivated = AccessGrant.objects.filter(user=user, reactivate=True, status=GrantStatus.APPROVED).aggregate(
        at=Max("decided_at")
    )["at"]
    return max(user.date_joined, reactivated) if reactivated else user.date_joined


def require_emergency_allowed(*, user: User) -> None:
    """Raise PermissionDenied if ``user`` became usable (created or re-activated) less than
    EMERGENCY_ACCESS_NEW_ACCOUNT_DAYS ago and no coordinator of their agency has approved them
    since (consent.services.emergency_access_open)."""
    since = active_since(user)
    if since <= timezone.now() - timedelta(days=settings.EMERGENCY_ACCESS_NEW_ACCOUNT_DAYS):
        return
    if not EmergencyApproval.objects.filter(user=user, approved_at__gte=since).exists():
        raise PermissionDenied(MSG_EMERGENCY_NEW_ACCOUNT)


@transaction.atomic
def emergency_approve(*, actor: User, username: str) -> EmergencyApproval:
    """A coordinator lets a new account of their own agency open emergency access. Audited as
    ``emergency_approved``. PermissionDenied for anyone but a coordinator; 404 for a user of another
    agency, an unknown one, and oneself (nothing to learn about other agencies' staff)."""
    actor_profile = StaffProfile.objects.filter(user=actor).first()
    if (
        actor_profile is None
        or actor_profile.role != Role.COORDINATOR
        or actor_profile.agency_id is None
        or not actor.is_active
    ):
        raise PermissionDenied(MSG_COORDINATORS_ONLY)
    profile = (
        StaffProfile.objects.select_related("user")
        .filter(user__username=username, agency_id=actor_profile.agency_id)
        .exclude(user=actor)
        .first()
    )
    if profile is None:
        raise Http404
    approval = EmergencyApproval.objects.create(user=profile.user, approved_by=actor)
    record(
        event=AuditEvent.EMERGENCY_APPROVED,
        model=get_user_model(),
        object_pk=str(profile.user_id),
        actor=actor,
        extra={"approval": str(approval.pk)},
    )
    return approval
