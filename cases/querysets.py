"""Refuse the bulk write paths that django-auditlog cannot see (QuerySet.update, bulk_create,
bulk_update) on audited models. A change that leaves no audit entry must be impossible, so the
few places that legitimately write in bulk say so explicitly and audit it themselves.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import models

_allowed: ContextVar[bool] = ContextVar("audit_bulk_allowed", default=False)

MSG_BULK_REFUSED = (
    "{model}: {method} bypasses the audit log and is refused; save objects one by one, or wrap an "
    "operation that audits itself in cases.querysets.bulk_writes_allowed()."
)


@contextmanager
def bulk_writes_allowed() -> Iterator[None]:
    """For code that writes its own audit entries (and for tests setting up time travel)."""
    token = _allowed.set(True)
    try:
        yield
    finally:
        _allowed.reset(token)


class AuditedQuerySet(models.QuerySet):
    def _refuse(self, method: str) -> None:
        if not _allowed.get():
            raise PermissionError(MSG_BULK_REFUSED.format(model=self.model.__name__, method=method))

    def update(self, **kwargs: Any) -> int:
        self._refuse("QuerySet.update")
        return super().update(**kwargs)

    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> Any:
        self._refuse("bulk_create")
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs: Any, *args: Any, **kwargs: Any) -> Any:
        self._refuse("bulk_update")
        return super().bulk_update(objs, *args, **kwargs)
