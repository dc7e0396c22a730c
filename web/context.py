"""What every page's layout needs: who is signed in and in which role, the session's idle limit
for the warning a minute before it, and the running emergency accesses for the banner."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from cases.models import SOCIAL_SERVICES_ROLES, TEAM_ROLES, Role
from cases.permissions import staff_profile
from content.access import emergency_accesses_running
from web.middleware import is_web_path


def web(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if not is_web_path(request.path) or user is None or not user.is_authenticated:
        return {}
    profile = staff_profile(user)
    role = profile.role if profile is not None else ""
    return {
        "idle_seconds": settings.SESSION_COOKIE_AGE,
        "me": {
            "name": user.get_full_name() or user.get_username(),
            "role": role,
            "role_label": Role(role).label if role else "",
            "agency": profile.agency.name if profile is not None and profile.agency is not None else "",
            "social_services": role in SOCIAL_SERVICES_ROLES,
            "coordinator": role == Role.COORDINATOR,
            "police": role == Role.POLICE,
            "team": role in TEAM_ROLES,
        },
        "emergencies": emergency_accesses_running(user=user),
    }
