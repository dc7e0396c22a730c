"""System checks: a missing or malformed key stops ``manage.py check`` (and so every deploy)."""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from cases import crypto


@checks.register(checks.Tags.security, deploy=False)
def check_encryption_keys(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    for check_id, validate in (("cases.E001", crypto.keyring), ("cases.E002", crypto.blind_index_key)):
        try:
            validate()
        except ImproperlyConfigured as exc:
            errors.append(checks.Error(str(exc), id=check_id))
    return errors
