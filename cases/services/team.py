"""The case team and the people around the youth: members (the django-guardian grant that is
access), guardians, and staff accounts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from guardian.shortcuts import assign_perm, remove_perm

from cases.errors import Conflict
from cases.models import (
    ROLE_AGENCY_KIND,
    SOCIAL_SERVICES_ROLES,
    TEAM_ROLES,
    VIEW_CASE,
    Agency,
    Case,
    CaseMember,
    Guardian,
    StaffProfile,
)
from cases.permissions import require_open, require_social_services, require_team_manager, staff_profile
from cases.personnummer import normalize_field as normalize_pnr

MSG_UNKNOWN_USER = _("There is no active staff member with this username.")
MSG_NOT_TEAM_ROLE = _("This user's role cannot be a member of a case team.")
MSG_ROLE_MISMATCH = _("This role does not match the user's agency.")
MSG_ALREADY_MEMBER = _("This user is already on the team.")
MSG_OTHER_SOCIAL_SERVICES = _(
    "Social services staff on the team come from the social services that hold the case; "
    "another authority takes part under consent, not as a case holder."
)
MSG_NOT_MEMBER = _("This user is not on the team.")
MSG_OWNER_STAYS = _("The owning social worker cannot be removed from the team.")


def grant_membership(*, case: Case, user: User, role: str, added_by: User) -> CaseMember:
    member = CaseMember(case=case, user=user, role=role, added_by=added_by)
    member.full_clean(exclude=["case", "user", "added_by"])
    member.save()
    assign_perm(f"cases.{VIEW_CASE}", user, case)
    return member


def guardian_build(*, case: Case, data: Mapping[str, Any], prefix: str) -> Guardian:
    pnr = data.get("personal_number") or ""
    if pnr:
        pnr = normalize_pnr(pnr, f"{prefix}personal_number")
    return Guardian(
        case=case,
        name=data["name"],
        personal_number=pnr,
        phone=data.get("phone") or "",
        address=data.get("address") or "",
        protected_identity=bool(data.get("protected_identity")),
        custodian=bool(data.get("custodian", True)),
    )


@transaction.atomic
def case_member_add(*, actor: User, case: Case, username: str, role: str | None = None) -> CaseMember:
    """Put a staff member on the team (coordinator or owning social worker) and grant access."""
    require_team_manager(actor, case)
    require_open(case)
    user = get_user_model().objects.filter(username=username, is_active=True).select_related("staff_profile").first()
    profile = staff_profile(user) if user is not None else None
    if user is None or profile is None:
        raise ValidationError({"username": [MSG_UNKNOWN_USER]})
    if profile.role not in TEAM_ROLES:
        raise ValidationError({"username": [MSG_NOT_TEAM_ROLE]})
    role = role or profile.role
    # A team role always has an agency (constraint staff_team_role_has_agency).
    if role not in TEAM_ROLES or ROLE_AGENCY_KIND[role] != profile.agency.kind:  # type: ignore[union-attr]
        raise ValidationError({"role": [MSG_ROLE_MISMATCH]})
    # Social services on the team see the case's own content on no consent: only those of the
    # authority that holds the case (docs/access-control.md).
    if role in SOCIAL_SERVICES_ROLES and profile.agency_id != case.owning_agency_id:
        raise ValidationError({"username": [MSG_OTHER_SOCIAL_SERVICES]})
    if CaseMember.objects.filter(case=case, user=user).exists():
        raise Conflict(MSG_ALREADY_MEMBER, code="already_member")
    return grant_membership(case=case, user=user, role=role, added_by=actor)


@transaction.atomic
def case_member_remove(*, actor: User, case: Case, username: str) -> None:
    """Take a member off the team and revoke the guardian grant in the same transaction."""
    require_team_manager(actor, case)
    member = CaseMember.objects.filter(case=case, user__username=username).select_related("user").first()
    if member is None:
        raise ValidationError({"username": [MSG_NOT_MEMBER]})
    if member.user_id == case.owner_id:
        raise Conflict(MSG_OWNER_STAYS, code="owner_stays")
    remove_perm(f"cases.{VIEW_CASE}", member.user, case)
    member.delete()


@transaction.atomic
def guardian_add(*, actor: User, case: Case, data: Mapping[str, Any]) -> Guardian:
    """Register a guardian on the case (social services on the team)."""
    require_social_services(actor)
    require_open(case)
    guardian = guardian_build(case=case, data=data, prefix="")
    guardian.save()
    return guardian


@transaction.atomic
def staff_create(
    *,
    username: str,
    password: str,
    role: str,
    agency: Agency | None,
    first_name: str = "",
    last_name: str = "",
) -> User:
    """Create a staff user with its profile and role group (management commands and admin)."""
    user_model = get_user_model()
    user = user_model.objects.create_user(
        username=username, password=password, first_name=first_name, last_name=last_name
    )
    profile = StaffProfile(user=user, agency=agency, role=role)
    profile.full_clean()
    profile.save()
    group, _created = Group.objects.get_or_create(name=role)
    user.groups.add(group)
    return user
