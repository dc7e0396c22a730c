"""Roles and the permission checks built on them: the one public module every layer asks.

Which *cases* a user may open is the case selector's answer (``content.access``); these checks
answer which *operations* a user's role allows on a case they may open. Each raises Django's
``PermissionDenied`` with a message the API and the UI show as it is.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from cases.errors import Conflict
from cases.models import (
    NO_CONTENT_ROLES,
    SOCIAL_SERVICES_ROLES,
    TEAM_ROLES,
    Case,
    CaseMember,
    CaseStatus,
    Role,
    StaffProfile,
)

__all__ = [
    "NO_CONTENT_ROLES",
    "SOCIAL_SERVICES_ROLES",
    "TEAM_ROLES",
    "Role",
    "is_on_team",
    "require_coordinator_member",
    "require_open",
    "require_role",
    "require_social_services",
    "require_team_manager",
    "staff_profile",
]

MSG_SOCIAL_SERVICES_ONLY = _("Only social services staff may do this.")
MSG_TEAM_MANAGERS_ONLY = _("Only a coordinator or the case's owning social worker may do this.")
MSG_LEGAL_HOLD_COORDINATORS = _("Only SSPF coordinators on the team may place or release a legal hold.")
MSG_CASE_CLOSED = _("The case is closed.")


def staff_profile(user: User | AnonymousUser | None) -> StaffProfile | None:
    """The active user's staff profile, or None (anonymous, inactive, or no profile)."""
    if user is None or isinstance(user, AnonymousUser) or not user.is_authenticated or not user.is_active:
        return None
    try:
        return user.staff_profile
    except StaffProfile.DoesNotExist:
        return None


def require_role(actor: User | AnonymousUser, roles: frozenset[str] | set[str], message: object) -> StaffProfile:
    """The actor's profile if their role is one of ``roles``; ``PermissionDenied(message)`` otherwise."""
    profile = staff_profile(actor)
    if profile is None or profile.role not in roles:
        raise PermissionDenied(message)
    return profile


def require_social_services(actor: User | AnonymousUser) -> StaffProfile:
    return require_role(actor, SOCIAL_SERVICES_ROLES, MSG_SOCIAL_SERVICES_ONLY)


def is_on_team(*, user: User, case: Case) -> bool:
    """On the team itself, not merely inside the case by emergency access."""
    return CaseMember.objects.filter(case=case, user_id=user.pk).exists()


def require_team_manager(actor: User, case: Case) -> StaffProfile:
    """Coordinators of the team and the case's owning social worker manage the team and close."""
    profile = require_social_services(actor)
    if profile.role != Role.COORDINATOR and case.owner_id != actor.pk:
        raise PermissionDenied(MSG_TEAM_MANAGERS_ONLY)
    # On the team, not merely inside it by emergency access: nobody turns nödåtkomst into membership.
    if not is_on_team(user=actor, case=case):
        raise PermissionDenied(MSG_TEAM_MANAGERS_ONLY)
    return profile


def require_coordinator_member(actor: User, case: Case, message: object = MSG_LEGAL_HOLD_COORDINATORS) -> StaffProfile:
    """A coordinator on the case's team (legal holds; approving a closure, reopening a case):
    ``PermissionDenied(message)`` for anyone else, emergency access included."""
    profile = require_role(actor, {Role.COORDINATOR}, message)
    if not is_on_team(user=actor, case=case):
        raise PermissionDenied(message)
    return profile


def require_open(case: Case) -> None:
    """A closed case takes no more writes (409)."""
    if case.status != CaseStatus.OPEN:
        raise Conflict(MSG_CASE_CLOSED, code="case_closed")
