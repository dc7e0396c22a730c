"""Reads that may go to a streaming replica (docs/operations.md#a-read-replica).

Auditors' searches, statistics and reports read much and write little; with
``DATABASE_REPLICA_URL`` set they read from the replica, inside ``replica_reads()``. Everything
else, and every write, goes to the primary. The writer reads its own writes: once a block has
written anything but its own audit entries, its later reads go to the primary too (the replica
may not have the write yet). Audit entries are exempt because the reader never reads its own
back in the same request.

The router answers "the primary" unless ``REPLICA_READS`` is on (the default when a replica is
configured, off under the test suite, whose transactions the replica cannot see: the replica
tests switch it on for themselves).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings

REPLICA = "replica"
_reading: ContextVar[bool] = ContextVar("replica_reads", default=False)
_wrote: ContextVar[bool] = ContextVar("replica_block_wrote", default=False)
# Written in the reader's block without making its reads go to the primary.
NOT_READ_BACK = {"audit.AuditEntry"}


@contextmanager
def replica_reads() -> Iterator[None]:
    """Reads in this block go to the replica, when one is configured, until the block writes."""
    reading, wrote = _reading.set(True), _wrote.set(False)
    try:
        yield
    finally:
        _reading.reset(reading)
        _wrote.reset(wrote)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES and bool(getattr(settings, "REPLICA_READS", False))


def reader_alias() -> str:
    """The alias a lazy, read-only queryset is bound to with ``.using()`` (evaluated after the
    block has ended: a page, a streamed CSV): the replica when one is configured."""
    return REPLICA if replica_configured() else "default"


class ReplicaRouter:
    """Django's database router for the one optional replica (``DATABASE_ROUTERS``)."""

    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        if _reading.get() and not _wrote.get() and replica_configured():
            return REPLICA
        return None  # the primary

    def db_for_write(self, model: Any, **hints: Any) -> str | None:
        if _reading.get() and model._meta.label not in NOT_READ_BACK:
            _wrote.set(True)
        return "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        return True  # the same data on both

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        return db == "default"  # the replica follows the primary's WAL
