"""The root hook for credential changes: whatever path changes a user's password or deactivates
them (the admin, a service's ``set_password``, Django's password views, a shell), every token and
session of that user is deleted when the row is saved; deactivating also deletes the user's
authenticators and unused enrolment codes. What is deleted stays deleted, so a re-activation (only
through an approved grant, which issues a new enrolment code) brings none of it back.

Only ``QuerySet.update`` bypasses ``save``; nothing in the project updates users that way, and
the bearer-token check refuses inactive users on every request anyway (api/authentication.py).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models.signals import post_save, pre_save

from accounts.services import authenticators_remove, credentials_revoke

_WATCHED = {"password", "is_active"}


def _remember_credentials(sender: Any, instance: Any, update_fields: Any = None, **kwargs: Any) -> None:
    if instance.pk is None or instance._state.adding:
        return
    if update_fields is not None and not _WATCHED.intersection(update_fields):
        return  # e.g. last_login at every login: no extra query
    before = sender.objects.filter(pk=instance.pk).values("password", "is_active").first()
    if before is None:
        return
    reasons = []
    if before["password"] != instance.password:
        reasons.append("password_changed")
    if before["is_active"] and not instance.is_active:
        reasons.append("deactivated")
    instance.__dict__["_credentials_changed"] = reasons


def _revoke_if_changed(sender: Any, instance: Any, created: bool = False, **kwargs: Any) -> None:
    reasons = instance.__dict__.pop("_credentials_changed", None)
    if not reasons:
        return
    credentials_revoke(user=instance, reason="+".join(reasons))
    if "deactivated" in reasons:
        authenticators_remove(user=instance)


def connect() -> None:
    user_model = get_user_model()
    pre_save.connect(_remember_credentials, sender=user_model, dispatch_uid="accounts_remember_credentials")
    post_save.connect(_revoke_if_changed, sender=user_model, dispatch_uid="accounts_revoke_credentials")
