"""One administrator alone cannot make anyone able to read cases: role, agency, staff and
superuser status are read-only in the admin and change only through an access grant that a
second administrator approves (both audited); nobody approves their own request, nor one about
themselves; the admin shows no secret and no authenticator."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from accounts.models import AccessGrant, EnrolmentCode, GrantStatus
from accounts.services import MSG_OWN_GRANT, device_bootstrap
from audit.models import AuditEntry
from cases.models import AgencyKind, Role, StaffProfile
from tests.administration.conftest import verified_admin_client
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

GRANTS = "/admin/accounts/accessgrant/"


@pytest.fixture
def newcomer(agencies: Any) -> Any:
    """An account an administrator created in the admin: no role, no authenticator."""
    return get_user_model().objects.create_user(username="nils", password=PASSWORD)


def _request(admin: Any, user: Any, **fields: Any) -> Any:
    data = {"user": str(user.pk), "role": "", "agency": "", **{k: v for k, v in fields.items() if v is not None}}
    return admin.post(GRANTS + "add/", data)


def _decide(admin: Any, grant: AccessGrant, action: str) -> Any:
    return admin.post(GRANTS, {"action": action, "_selected_action": [str(grant.pk)]})


def test_the_user_form_does_not_change_roles_or_superuser(alice: Any, adam: Any) -> None:
    admin = verified_admin_client(adam)
    change_url = f"/admin/auth/user/{alice.pk}/change/"
    page = admin.get(change_url)
    form = page.context["adminform"].form

    assert "is_superuser" not in form.fields
    assert "is_staff" not in form.fields
    assert "groups" not in form.fields
    assert "password" not in form.fields
    assert "pbkdf2" not in page.content.decode() and "md5$" not in page.content.decode()

    admin.post(
        change_url,
        {
            "username": "alice",
            "is_active": "on",
            "is_superuser": "on",
            "is_staff": "on",
            "staff_profile-TOTAL_FORMS": "1",
            "staff_profile-INITIAL_FORMS": "1",
            "staff_profile-MIN_NUM_FORMS": "0",
            "staff_profile-MAX_NUM_FORMS": "1",
            "staff_profile-0-user": str(alice.pk),
            "staff_profile-0-role": "coordinator",
        },
    )

    alice.refresh_from_db()
    assert not alice.is_superuser and not alice.is_staff
    assert StaffProfile.objects.get(user=alice).role == Role.SOCIAL_WORKER


def test_a_grant_takes_effect_only_when_a_second_administrator_approves(
    adam: Any, bea: Any, newcomer: Any, agencies: Any
) -> None:
    social = agencies[AgencyKind.SOCIAL_SERVICES]
    adam_admin = verified_admin_client(adam)

    response = _request(adam_admin, newcomer, role="social_worker", agency=str(social.pk))

    assert response.status_code == 302, response.content.decode()[:3000]
    grant = AccessGrant.objects.get(user=newcomer)
    assert grant.status == GrantStatus.PENDING and grant.requested_by == adam
    assert not StaffProfile.objects.filter(user=newcomer).exists()
    assert AuditEntry.objects.filter(event="grant_requested", object_pk=str(grant.pk), actor_username="adam").exists()

    own = _decide(adam_admin, grant, "approve")  # his own request

    grant.refresh_from_db()
    assert grant.status == GrantStatus.PENDING
    # The service's four-eyes rule answers, not only the database constraint behind it.
    shown = [str(m) for m in own.wsgi_request._messages]
    assert str(MSG_OWN_GRANT) in shown
    assert not StaffProfile.objects.filter(user=newcomer).exists()

    _decide(verified_admin_client(bea), grant, "approve")

    grant.refresh_from_db()
    assert grant.status == GrantStatus.APPROVED and grant.decided_by == bea
    profile = StaffProfile.objects.get(user=newcomer)
    assert (profile.role, profile.agency_id) == (Role.SOCIAL_WORKER, social.pk)
    assert AuditEntry.objects.filter(event="grant_approved", object_pk=str(grant.pk), actor_username="bea").exists()


def test_superuser_status_needs_a_second_administrator_and_nobody_grants_himself(
    adam: Any, bea: Any, newcomer: Any
) -> None:
    bea_admin = verified_admin_client(bea)

    own = _request(bea_admin, bea, is_superuser="on", is_staff="on")
    assert own.status_code == 200  # the form again, with the error
    assert not AccessGrant.objects.filter(user=bea).exists()

    _request(bea_admin, newcomer, is_superuser="on", is_staff="on")
    grant = AccessGrant.objects.get(user=newcomer)
    newcomer.refresh_from_db()
    assert not newcomer.is_superuser

    _decide(verified_admin_client(adam), grant, "reject")

    grant.refresh_from_db()
    newcomer.refresh_from_db()
    assert grant.status == GrantStatus.REJECTED and not newcomer.is_superuser
    assert AuditEntry.objects.filter(event="grant_rejected", object_pk=str(grant.pk), actor_username="adam").exists()


def test_the_enrolment_code_goes_to_the_approver_once_and_is_stored_hashed(
    adam: Any, bea: Any, newcomer: Any, agencies: Any
) -> None:
    _request(verified_admin_client(adam), newcomer, enrolment="on")
    grant = AccessGrant.objects.get(user=newcomer)
    assert not EnrolmentCode.objects.exists()  # nothing for the requester to see

    page = _decide(verified_admin_client(bea), grant, "approve")

    assert page.status_code == 200
    assert page["Cache-Control"] == "no-store"
    code = re.search(r"<code>([^<]+)</code>", page.content.decode()).group(1)
    stored = EnrolmentCode.objects.get(user=newcomer)
    assert stored.digest == hashlib.sha256(code.encode()).hexdigest()
    assert stored.issued_to == bea
    assert not AuditEntry.objects.filter(additional_data__icontains=code).exists()
    assert code not in verified_admin_client(adam).get(GRANTS).content.decode()


def test_the_admin_neither_shows_nor_creates_authenticators(alice: Any, adam: Any) -> None:
    device = device_bootstrap(user=alice, name="phone")
    admin = verified_admin_client(adam)

    for url in (
        "/admin/otp_totp/totpdevice/",
        "/admin/otp_totp/totpdevice/add/",
        "/admin/accounts/sealedtotpdevice/",
        "/admin/accounts/sealedtotpdevice/add/",
        "/admin/auth/group/",
    ):
        assert admin.get(url).status_code == 404, url
    assert device.key not in admin.get(f"/admin/auth/user/{alice.pk}/change/").content.decode()


def test_the_administrator_who_created_an_account_never_receives_its_code(adam: Any, bea: Any) -> None:
    adam_admin = verified_admin_client(adam)
    created = adam_admin.post(
        "/admin/auth/user/add/",
        {"username": "nils", "usable_password": "true", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert created.status_code == 302, created.content.decode()[:3000]
    nils = get_user_model().objects.get(username="nils")
    _request(verified_admin_client(bea), nils, enrolment="on")  # bea asks, innocently
    grant = AccessGrant.objects.get(user=nils)

    _decide(adam_admin, grant, "approve")  # adam knows the password: the code must not reach him

    grant.refresh_from_db()
    assert grant.status == GrantStatus.PENDING
    assert not EnrolmentCode.objects.exists()
