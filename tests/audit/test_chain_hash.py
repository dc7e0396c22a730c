"""An entry hashes the same whether read as a model instance or as columns."""

from __future__ import annotations

import pytest

from audit import chain
from audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_the_hash_is_the_same_from_an_entry_and_from_its_columns(logged: list[int]) -> None:
    """Seal and verify hash the columns read with values(); anything hashing a model instance
    (chain.canonical) must give the same bytes."""
    for entry in AuditEntry.objects.all():
        row = AuditEntry.objects.filter(pk=entry.pk).values(*chain.HASHED).get()
        assert chain.canonical(entry) == chain.canonical_row(row)
