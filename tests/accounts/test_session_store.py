"""The session store's own paths (accounts/sessions.py), sync and async: each finds, writes and
deletes rows by the hash of the key, never by the key (the browser's view of the same rule:
tests/web/test_sessions_stored_hashed.py)."""

from __future__ import annotations

import importlib
from types import SimpleNamespace
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.apps import apps
from django.contrib.sessions.models import Session
from django.db import connection

from accounts.sessions import SessionStore, stored_key

pytestmark = pytest.mark.django_db


def test_a_session_is_saved_loaded_and_deleted_by_the_hash_of_its_key() -> None:
    store = SessionStore()
    store["web_signed_in_at"] = 1
    store.save()
    key = store.session_key

    assert list(Session.objects.values_list("session_key", flat=True)) == [stored_key(key)]
    assert SessionStore(key).load() == {"web_signed_in_at": 1}
    assert SessionStore().exists(key) and not SessionStore().exists(stored_key(key))
    assert SessionStore(stored_key(key)).load() == {}  # the stored value is no key

    SessionStore(key).delete()
    assert not Session.objects.exists()


def test_the_async_paths_hash_the_key_too() -> None:
    async def story() -> dict[str, Any]:
        store = SessionStore()
        store["web_signed_in_at"] = 2
        await store.asave()
        key = store.session_key
        seen = {
            "key": key,
            "stored": [row async for row in Session.objects.values_list("session_key", flat=True)],
            "loaded": await SessionStore(key).aload(),
            "exists": await SessionStore().aexists(key),
            "stolen": await SessionStore(stored_key(key)).aload(),
        }
        await SessionStore(key).adelete()
        seen["left"] = await Session.objects.aexists()
        return seen

    seen = async_to_sync(story)()

    assert seen["stored"] == [stored_key(seen["key"])]
    assert seen["loaded"] == {"web_signed_in_at": 2} and seen["exists"]
    assert seen["stolen"] == {}
    assert not seen["left"]


def test_the_migration_deletes_every_session_both_ways() -> None:
    """Forwards: the rows stored before held plain keys. Backwards: under Django's own backend a
    hashed row's key would be taken as a cookie's, so a rollback must leave no row behind."""
    migration = importlib.import_module("accounts.migrations.0005_sessions_stored_hashed").Migration
    (operation,) = migration.operations
    for step in (operation.code, operation.reverse_code):
        store = SessionStore()
        store["web_signed_in_at"] = 3
        store.save()

        step(apps, SimpleNamespace(connection=connection))

        assert not Session.objects.exists()
