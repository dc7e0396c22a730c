"""Browser sessions (the web UI and the admin) whose keys are stored only as a hash.

Django's database sessions keep the cookie's value itself in ``django_session.session_key``:
whoever reads that table, a replica or a backup could put a live key into a cookie and be the
web UI's signed-in, code-verified user until the session ends (15 minutes idle, 12 hours at
most). The API's tokens are stored as digests for the same reason (django-rest-knox). Here the
row's key is a SHA-256 of the cookie's value, so what the database holds cannot be used as a
cookie. The key is 32 random characters of 36 (about 165 bits), so a fast unsalted hash is
enough: there is nothing to guess. This is the design Django accepted in ticket #21076 (not in
Django 5.2); decision 0020 says why it is ours.

Settings: ``SESSION_ENGINE = "accounts.sessions"``. Everything else is Django's database
backend: the model, expiry, ``clearsessions``, key cycling at sign-in, flushing at sign-out.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from django.contrib.sessions.backends import db
from django.core.exceptions import SuspiciousOperation
from django.utils import timezone


def stored_key(session_key: str) -> str:
    """What ``django_session.session_key`` holds for the cookie value ``session_key``: 40 hex
    digits (160 bits) of its SHA-256, the column's width."""
    return hashlib.sha256(session_key.encode()).hexdigest()[:40]


class SessionStore(db.SessionStore):
    """Django's database session store, looking rows up by ``stored_key`` of the cookie's key.

    Each method that names a row by its key is Django's own with the key hashed; the cookie and
    ``self.session_key`` keep the real key."""

    def _get_session_from_db(self) -> Any:
        if self.session_key is None:  # Django loads only with a key; no row has none
            return None
        try:
            return self.model.objects.get(session_key=stored_key(self.session_key), expire_date__gt=timezone.now())
        except (self.model.DoesNotExist, SuspiciousOperation) as exc:
            self._forget(exc)
            return None

    async def _aget_session_from_db(self) -> Any:
        if self.session_key is None:
            return None
        try:
            return await self.model.objects.aget(
                session_key=stored_key(self.session_key), expire_date__gt=timezone.now()
            )
        except (self.model.DoesNotExist, SuspiciousOperation) as exc:
            self._forget(exc)
            return None

    def _forget(self, exc: Exception) -> None:
        """No live row has this key: the session starts empty under a new key (as Django's)."""
        if isinstance(exc, SuspiciousOperation):
            logging.getLogger(f"django.security.{exc.__class__.__name__}").warning(str(exc))
        self._session_key = None

    def exists(self, session_key: str) -> bool:
        return bool(super().exists(stored_key(session_key)))

    async def aexists(self, session_key: str) -> bool:
        return bool(await super().aexists(stored_key(session_key)))

    def create_model_instance(self, data: dict[str, Any]) -> Any:
        row = super().create_model_instance(data)
        row.session_key = stored_key(row.session_key)
        return row

    async def acreate_model_instance(self, data: dict[str, Any]) -> Any:
        row = await super().acreate_model_instance(data)
        row.session_key = stored_key(row.session_key)
        return row

    def delete(self, session_key: str | None = None) -> None:
        key = session_key if session_key is not None else self.session_key
        if key is not None:
            super().delete(stored_key(key))

    async def adelete(self, session_key: str | None = None) -> None:
        key = session_key if session_key is not None else self.session_key
        if key is not None:
            await super().adelete(stored_key(key))
