"""Every route that takes a case id answers 404 to a non-member, for every method it allows,
with nothing about the case in the body. Routes are discovered from the URL configuration, so a
new case route is covered without anyone remembering to add it here.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import URLPattern, get_resolver

from cases.errors import MSG_NOT_FOUND
from cases.models import Case, CaseMember
from tests.conftest import YOUTH

pytestmark = pytest.mark.django_db


# Emergency access (nödåtkomst) exists precisely for social services outside the team: for them
# that one route answers as a route (400 for an empty body), not 404. Everyone else gets 404.
EMERGENCY_ROUTE = "api/v1/cases/<uuid:case_id>/emergency-access/"


def case_routes() -> list[tuple[str, list[str]]]:
    routes = []
    for pattern in get_resolver().url_patterns:
        if isinstance(pattern, URLPattern) and "<uuid:case_id>" in str(pattern.pattern):
            view = pattern.callback.view_class  # type: ignore[attr-defined]
            methods = [m for m in ("get", "post", "patch", "put", "delete") if hasattr(view, m)]
            routes.append((str(pattern.pattern), methods))
    return routes


def test_the_route_list_is_not_empty() -> None:
    assert len(case_routes()) >= 8


@pytest.mark.parametrize("outsider", ["olle", "audrey", "adam"])
def test_every_case_route_is_404_to_outsiders(
    case: Any, outsider: str, request: pytest.FixtureRequest, client_for: Any
) -> None:
    client = client_for(request.getfixturevalue(outsider))
    checked = 0
    for route, methods in case_routes():
        if route == EMERGENCY_ROUTE and outsider == "olle":
            assert client.post("/" + route.replace("<uuid:case_id>", str(case.pk)), {}).status_code == 400
            continue
        url = "/" + route.replace("<uuid:case_id>", str(case.pk)).replace("<str:username>", "carl")
        for other_id in ("<uuid:visit_id>", "<uuid:meeting_id>", "<uuid:action_id>"):
            url = url.replace(other_id, "7f1c6a39-1ad4-4c53-9d8c-4c1b3a6e8c11")
        for method in methods:
            response = getattr(client, method)(url, {}, HTTP_IF_MATCH='"1"')
            assert response.status_code == 404, (method, route)
            assert response.json() == {"detail": str(MSG_NOT_FOUND), "code": "not_found"}
            assert case.number not in response.content.decode()
            assert YOUTH["family_name"] not in response.content.decode()
            checked += 1
    assert checked >= 12
    assert Case.objects.get(pk=case.pk).version == 1
    assert CaseMember.objects.filter(case=case).count() == 5


def test_emergency_access_to_an_unknown_case_is_404(olle: Any, client_for: Any) -> None:
    url = "/api/v1/cases/7f1c6a39-1ad4-4c53-9d8c-4c1b3a6e8c11/emergency-access/"

    assert client_for(olle).post(url, {"reason": "Akut läge, behöver se ärendet"}).status_code == 404


def test_a_team_member_who_becomes_an_auditor_sees_no_case(case: Any, alice: Any, client_for: Any) -> None:
    """Auditors see no case content, even with a team grant left over from a former role (the
    admin changes roles; the grant stays)."""
    from cases.models import Role, StaffProfile

    profile = StaffProfile.objects.get(user=alice)
    profile.role = Role.AUDITOR
    profile.save()
    client = client_for(alice)

    listed = client.get("/api/v1/cases/")
    detail = client.get(f"/api/v1/cases/{case.pk}/")

    assert listed.status_code == 200
    assert listed.json()["count"] == 0
    assert detail.status_code == 404
    assert YOUTH["family_name"] not in listed.content.decode() + detail.content.decode()
