"""An admin session that has passed the second factor, for the admin's tests."""

from __future__ import annotations

from typing import Any

from django_otp.plugins.otp_totp.models import TOTPDevice


def verified_admin_client(user: Any) -> Any:
    """An admin session that has passed the second factor, as django-otp records it."""
    from django.test import Client

    device = TOTPDevice.objects.create(user=user, name="admin phone", confirmed=True)
    client = Client()
    client.force_login(user)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client
