"""Deactivating is one administrator's to do; re-activating is not. A deactivated account loses
its authenticators and unused enrolment codes, the admin will not tick it active again, and it
comes back only through a grant a second administrator approves, with a new enrolment code, as
a new account (emergency access needs a coordinator again)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import RequestFactory
from django.utils.html import escape
from django_otp import devices_for_user

from accounts import services as accounts
from accounts.models import MSG_REACTIVATE_ENROLS, AccessGrant, EmergencyApproval, EnrolmentCode, GrantStatus
from accounts.services import MSG_OWN_GRANT, device_bootstrap
from tests.administration.conftest import verified_admin_client
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

GRANTS = "/admin/accounts/accessgrant/"


def _change_form(admin: Any, user: Any, **changes: str) -> dict[str, Any]:
    """The user's change form as the admin's page fills it, with ``changes`` typed in."""
    form = admin.get(f"/admin/auth/user/{user.pk}/change/").context["adminform"].form
    data: dict[str, Any] = {k: v for k, v in form.initial.items() if k in form.fields and v is not None}
    data = {k: ("on" if v is True else "" if v is False else v) for k, v in data.items()}
    data.update(
        {
            "staff_profile-TOTAL_FORMS": "1",
            "staff_profile-INITIAL_FORMS": "1",
            "staff_profile-MIN_NUM_FORMS": "0",
            "staff_profile-MAX_NUM_FORMS": "1",
            "staff_profile-0-user": str(user.pk),
        }
    )
    data.update(changes)
    return data


def _deactivate(admin: Any, user: Any) -> None:
    response = admin.post(f"/admin/auth/user/{user.pk}/change/", _change_form(admin, user, is_active=""))
    assert response.status_code == 302, response.content.decode()[:2000]
    user.refresh_from_db()
    assert not user.is_active


def test_deactivating_deletes_the_authenticators_and_unused_enrolment_codes(alice: Any, adam: Any) -> None:
    device_bootstrap(user=alice, name="alice phone")
    accounts.enrolment_code_issue(user=alice, grant=None, issued_to=adam)

    _deactivate(verified_admin_client(adam), alice)

    assert list(devices_for_user(alice, confirmed=None)) == []
    assert not EnrolmentCode.objects.filter(user=alice, used_at__isnull=True).exists()


def test_one_administrator_cannot_tick_a_deactivated_account_active_again(alice: Any, adam: Any) -> None:
    admin = verified_admin_client(adam)
    _deactivate(admin, alice)

    page = admin.get(f"/admin/auth/user/{alice.pk}/change/")
    assert "is_active" not in page.context["adminform"].form.fields
    response = admin.post(f"/admin/auth/user/{alice.pk}/change/", _change_form(admin, alice, is_active="on"))

    assert response.status_code == 302
    alice.refresh_from_db()
    assert not alice.is_active


def test_a_reactivation_grant_needs_a_new_enrolment_code(alice: Any, adam: Any) -> None:
    admin = verified_admin_client(adam)
    _deactivate(admin, alice)

    refused = admin.post(GRANTS + "add/", {"user": str(alice.pk), "role": "", "agency": "", "reactivate": "on"})

    assert refused.status_code == 200
    assert escape(str(MSG_REACTIVATE_ENROLS)) in refused.content.decode()
    assert not AccessGrant.objects.filter(user=alice).exists()


def test_a_second_administrator_reactivates_and_the_user_enrols_anew(alice: Any, adam: Any, bea: Any) -> None:
    old_device = device_bootstrap(user=alice, name="alice phone")
    adam_admin, bea_admin = verified_admin_client(adam), verified_admin_client(bea)
    _deactivate(adam_admin, alice)
    adam_admin.post(
        GRANTS + "add/",
        {"user": str(alice.pk), "role": "", "agency": "", "reactivate": "on", "enrolment": "on"},
    )
    grant = AccessGrant.objects.get(user=alice)

    own = adam_admin.post(GRANTS, {"action": "approve", "_selected_action": [str(grant.pk)]})
    alice.refresh_from_db()
    assert not alice.is_active
    assert str(MSG_OWN_GRANT) in [str(m) for m in own.wsgi_request._messages]

    page = bea_admin.post(GRANTS, {"action": "approve", "_selected_action": [str(grant.pk)]})
    code = re.search(r"<code>([^<]+)</code>", page.content.decode()).group(1)  # type: ignore[union-attr]

    alice.refresh_from_db()
    assert alice.is_active
    assert (
        accounts.sign_in_check(request=RequestFactory().post("/"), username="alice", password=PASSWORD, otp="000000")
        is None
    )
    assert not type(old_device).objects.filter(pk=old_device.pk).exists()
    device = accounts.enrolment_start(
        request=RequestFactory().post("/"), username="alice", password=PASSWORD, code=code
    )
    assert device is not None
    enrolled = accounts.enrolment_confirm(
        request=RequestFactory().post("/"),
        username="alice",
        password=PASSWORD,
        code=code,
        otp=device._totp().token(),
        new_password="ett-helt-nytt-lösenord-2026",
    )
    assert enrolled is not None and enrolled.pk == alice.pk


def test_a_reactivated_account_is_new_again_for_emergency_access(
    alice: Any, adam: Any, bea: Any, carl: Any, agencies: Any
) -> None:
    old = get_user_model().objects.filter(pk=alice.pk)
    old.update(date_joined=alice.date_joined.replace(year=2020))
    EmergencyApproval.objects.create(user=alice, approved_by=carl)  # before she left
    alice.refresh_from_db()
    accounts.require_emergency_allowed(user=alice)  # an old account: allowed

    _deactivate(verified_admin_client(adam), alice)
    grant = accounts.grant_request(actor=adam, user=alice, reactivate=True, enrolment=True)
    accounts.grant_approve(actor=bea, grant=grant)
    alice.refresh_from_db()

    with pytest.raises(PermissionDenied):
        accounts.require_emergency_allowed(user=alice)
    EmergencyApproval.objects.create(user=alice, approved_by=carl)
    accounts.require_emergency_allowed(user=alice)
    assert AccessGrant.objects.get(pk=grant.pk).status == GrantStatus.APPROVED


def test_an_active_account_cannot_be_re_activated(alice: Any, adam: Any, bea: Any) -> None:
    """A re-activation requested while the account is active would wait, unseen, for a later
    deactivation (and restart the new-account clock): refused when asked, and when approved
    after the account came back some other way."""
    admin = verified_admin_client(adam)
    refused = admin.post(
        GRANTS + "add/", {"user": str(alice.pk), "role": "", "agency": "", "reactivate": "on", "enrolment": "on"}
    )
    assert escape(str(accounts.MSG_REACTIVATE_ACTIVE)) in refused.content.decode()
    assert not AccessGrant.objects.filter(user=alice).exists()

    _deactivate(admin, alice)
    grant = accounts.grant_request(actor=adam, user=alice, reactivate=True, enrolment=True)
    get_user_model().objects.filter(pk=alice.pk).update(is_active=True)  # back by the server's shell meanwhile
    with pytest.raises(ValidationError):
        accounts.grant_approve(actor=bea, grant=grant)
    assert AccessGrant.objects.get(pk=grant.pk).status == GrantStatus.PENDING
