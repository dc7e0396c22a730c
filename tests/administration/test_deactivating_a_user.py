"""Deactivating a user in the admin deletes every token they hold, and the change names its actor."""

from __future__ import annotations

from typing import Any

import pytest
from knox.models import AuthToken

from tests.administration.conftest import verified_admin_client

pytestmark = pytest.mark.django_db


def test_deactivating_in_the_admin_deletes_every_token(alice: Any, adam: Any, client_for: Any) -> None:
    client_for(alice)
    client_for(alice)
    admin = verified_admin_client(adam)
    change_url = f"/admin/auth/user/{alice.pk}/change/"
    form = admin.get(change_url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, list | dict)}
    data.update(
        {
            "username": "alice",
            "is_active": "",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "10:00:00",
            "staff_profile-TOTAL_FORMS": "1",
            "staff_profile-INITIAL_FORMS": "1",
            "staff_profile-MIN_NUM_FORMS": "0",
            "staff_profile-MAX_NUM_FORMS": "1",
            "staff_profile-0-user": str(alice.pk),
            "staff_profile-0-role": "social_worker",
            "staff_profile-0-agency": str(alice.staff_profile.agency_id),
        }
    )
    data.pop("password", None)
    data.pop("last_login", None)

    assert AuthToken.objects.filter(user=alice).count() == 2

    response = admin.post(change_url, data)

    assert response.status_code == 302, response.content.decode()[:2000]
    assert not AuthToken.objects.filter(user=alice).exists()
    from audit.models import AuditEntry

    change = AuditEntry.objects.filter(event="update", object_pk=str(alice.pk)).latest("pk")
    assert change.actor_username == "adam"  # admin changes name their actor too
    assert "is_active" in change.changed_fields
