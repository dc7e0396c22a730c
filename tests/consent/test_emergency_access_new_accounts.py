"""An account younger than EMERGENCY_ACCESS_NEW_ACCOUNT_DAYS opens emergency access only after a
coordinator of its own agency approved it (audited); nobody else can approve."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings

from accounts.models import EmergencyApproval
from accounts.services import MSG_COORDINATORS_ONLY, MSG_EMERGENCY_NEW_ACCOUNT
from audit.models import AuditEntry
from cases import services as case_services
from cases.models import Agency, AgencyKind, Role
from tests.conftest import PASSWORD, case_url

pytestmark = pytest.mark.django_db

REASON = {"reason": "Akut läge, ingen i teamet nås"}


@pytest.fixture
def nina(agencies: Any) -> Any:
    """A social worker whose account was created today."""
    return case_services.staff_create(
        username="nina", password=PASSWORD, role=Role.SOCIAL_WORKER, agency=agencies[AgencyKind.SOCIAL_SERVICES]
    )


def _approval_url(username: str) -> str:
    return f"/api/v1/staff/{username}/emergency-approval/"


def test_a_new_account_cannot_open_emergency_access(case: Any, nina: Any, client_for: Any) -> None:
    response = client_for(nina).post(case_url(case, "emergency-access/"), REASON)

    assert response.status_code == 403
    assert response.json()["detail"] == str(MSG_EMERGENCY_NEW_ACCOUNT)
    assert not AuditEntry.objects.filter(event="emergency", actor_username="nina").exists()


def test_after_a_coordinators_approval_it_can(case: Any, nina: Any, carl: Any, client_for: Any) -> None:
    approved = client_for(carl).post(_approval_url("nina"))

    assert approved.status_code == 201
    approval = EmergencyApproval.objects.get(user=nina)
    assert approval.approved_by == carl
    assert AuditEntry.objects.filter(event="emergency_approved", actor_username="carl", object_pk=str(nina.pk)).exists()
    assert client_for(nina).post(case_url(case, "emergency-access/"), REASON).status_code == 201


@override_settings(EMERGENCY_ACCESS_NEW_ACCOUNT_DAYS=0)
def test_with_no_waiting_period_no_approval_is_needed(case: Any, nina: Any, client_for: Any) -> None:
    assert client_for(nina).post(case_url(case, "emergency-access/"), REASON).status_code == 201


def test_only_a_coordinator_of_the_same_agency_approves(
    case: Any, nina: Any, alice: Any, adam: Any, agencies: Any, client_for: Any
) -> None:
    other_social = Agency.objects.create(name="Grannkommunens socialtjänst", kind=AgencyKind.SOCIAL_SERVICES)
    outsider = case_services.staff_create(
        username="otto", password=PASSWORD, role=Role.COORDINATOR, agency=other_social
    )
    nina_as_coordinator = client_for(nina)

    by_social_worker = client_for(alice).post(_approval_url("nina"))
    by_admin = client_for(adam).post(_approval_url("nina"))
    by_other_agency = client_for(outsider).post(_approval_url("nina"))
    unknown = client_for(outsider).post(_approval_url("nobody"))
    by_herself = nina_as_coordinator.post(_approval_url("nina"))

    assert by_social_worker.status_code == 403
    assert by_social_worker.json()["detail"] == str(MSG_COORDINATORS_ONLY)
    assert by_admin.status_code == 403
    assert by_other_agency.status_code == 404  # another agency's staff are not revealed
    assert unknown.status_code == 404
    assert by_herself.status_code == 403
    assert not EmergencyApproval.objects.exists()
