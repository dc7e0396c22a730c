"""An admin session that has passed the second factor, for the admin's tests."""

from __future__ import annotations

from typing import Any

from accounts.services import device_bootstrap


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
