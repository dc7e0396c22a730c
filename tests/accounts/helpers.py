"""Codes from a sealed authenticator, as the user's app would show them."""

from __future__ import annotations

from typing import Any

from django_otp.oath import totp


def current_code(device: Any) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def other_code(device: Any) -> str:
    """A well-formed code that is not the current one (nor its neighbours)."""
    return f"{(int(current_code(device)) + 500_000) % 1_000_000:06d}"
