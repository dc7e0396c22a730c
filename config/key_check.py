"""At server start: refuse keys that do not fit the database, instead of serving errors or nothing.

``cases.crypto.validate_configuration`` checks that the keys are there and well formed; this
checks that they are *this database's*. After a restore with the wrong key backup (another
installation's, or an old one missing a master key) every case read would fail, and with the
wrong blind-index key every personal-number lookup would quietly find nothing. So the server
reads the newest five cases that still have their data keys: most youths' personal numbers must
decrypt, and most of those must match their blind index. A database that cannot be reached is
not checked (requests answer 503 until it is: ``config.db_unavailable``), nor is one without
cases or tables yet.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connection

from cases.crypto import DecryptionError, blind_index
from cases.models import PNR_INDEX_PURPOSE, Youth

MSG_WRONG_MASTER_KEYS = (
    "FIELD_ENCRYPTION_KEYS cannot decrypt this database's cases (another installation's keys, or "
    "a master key missing): refusing to start. Use the key backup made with this database's backup."
)
MSG_WRONG_BLIND_INDEX_KEY = (
    "BLIND_INDEX_KEY does not match this database (personal-number lookups would find nothing): "
    "refusing to start. Use the key backup made with this database's backup."
)

SAMPLE = 5


def keys_match_database() -> None:
    """Raise ImproperlyConfigured if the configured keys do not fit the stored data."""
    try:
        found = Youth.objects.select_related("case__key").filter(case__key__isnull=False)
        youths = list(found.order_by("-case__opened_at")[:SAMPLE])  # with their keys: no more queries
    except DatabaseError:
        return  # down, or not migrated yet: nothing to compare with
    finally:
        if not connection.in_atomic_block:
            connection.close()  # not kept open outside a request in each worker
    numbers: dict[object, str] = {}
    for youth in youths:
        try:
            numbers[youth.pk] = youth.personal_number
        except DecryptionError:
            continue
    # A majority, not every one: a single damaged row must not keep the whole service down.
    if youths and len(numbers) * 2 <= len(youths):
        raise ImproperlyConfigured(MSG_WRONG_MASTER_KEYS)
    matching = [y for y in youths if y.pk in numbers and y.personal_number_index == _index(numbers[y.pk])]
    # The index keeps 16 bits: a wrong key matches one youth in 65,536 by chance, a majority of five
    # practically never.
    if numbers and len(matching) * 2 <= len(numbers):
        raise ImproperlyConfigured(MSG_WRONG_BLIND_INDEX_KEY)


def _index(number: str) -> int:
    return blind_index(number, purpose=PNR_INDEX_PURPOSE)
