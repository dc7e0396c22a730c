"""An admin session that has passed the second factor, for the admin's tests."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.services import device_bootstrap
from cases import services as case_services
from cases.models import Role
from tests.conftest import PASSWORD


@pytest.fixture
def bea(agencies: Any) -> Any:
    """A second administrator."""
    user = case_services.staff_create(username="bea", password=PASSWORD, role=Role.ADMIN, agency=None)
    user.is_staff = user.is_superuser = True
    user.save()
    return user


def verified_admin_client(user: Any) -> Any:
    """An admin session that has passed the second factor, as django-otp records it."""
    from django.test import Client

    device = device_bootstrap(user=user, name="admin phone")
    client = Client()
    client.force_login(user)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client
