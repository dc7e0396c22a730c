"""The audit log is partitioned by month (issue 19; audit/partitions.py): entries land in their
month, months exist ahead, retention drops whole months under a signed record, searches read only
the months they ask for, and the partitions are as append-only as the log."""

from __future__ import annotations

import base64
import os
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from audit import chain, log_retention, partitions, signing
from audit.models import AuditEntry
from cases.models import Role
from cases.services import staff_create
from oversight import log_search
from tests.audit.conftest import raw
from tests.audit.test_retention import YEARS, write

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="partitioning is PostgreSQL's"),
]

CUT_OFF_DAYS = int(10.5 * YEARS)


@pytest.fixture(autouse=True)
def retention_settings(settings: Any) -> None:
    settings.AUDIT_SIGNING_KEY = base64.b64encode(os.urandom(32)).decode()
    settings.AUDIT_RETENTION_DAYS = 10 * YEARS


def partition_of(entry_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableoid::regclass::text FROM audit_auditentry WHERE id = %s", [entry_id])
        return str(cursor.fetchone()[0])


def old_month() -> str:
    """The partition of the month 11 years ago (migrate creates none that old)."""
    return partitions.create_month(partitions.month_start(timezone.now() - timedelta(days=11 * YEARS)))


def test_entries_land_in_their_months_partition_and_months_wait_ahead() -> None:
    (now,) = write(1, age_days=0)
    (stray,) = write(1, age_days=11 * YEARS)

    assert partition_of(now) == partitions.name_of(partitions.month_start(timezone.now()))
    assert partition_of(stray) == partitions.DEFAULT
    assert partitions.months_ahead() >= 3


def test_retention_drops_a_whole_month_and_signs_its_name() -> None:
    month = old_month()
    old = write(4, age_days=11 * YEARS)
    new = write(2, age_days=10)
    chain.seal()
    assert {partition_of(i) for i in old} == {month}

    record = log_retention.remove_expired(before=timezone.now() - timedelta(days=CUT_OFF_DAYS), performed_by="dba")

    assert record is not None
    assert (record.entries_removed, record.partitions_dropped) == (4, [month])
    assert month not in {p.name for p in partitions.partitions()}
    assert set(AuditEntry.objects.values_list("pk", flat=True)) == set(new)
    assert signing.signature_valid(record)
    record.partitions_dropped = []  # a record that hides the drop no longer verifies
    assert not signing.signature_valid(record)
    assert chain.verify().ok


def test_a_month_with_an_entry_sealed_after_a_newer_one_is_emptied_row_by_row() -> None:
    month = old_month()
    (first,) = write(1, age_days=11 * YEARS)
    chain.seal()
    write(1, age_days=10)  # the newest entry sealed before the late one: the chain's cut stops here
    chain.seal()
    (late,) = write(1, age_days=11 * YEARS)
    chain.seal()

    record = log_retention.remove_expired(before=timezone.now() - timedelta(days=CUT_OFF_DAYS), performed_by="dba")

    assert record is not None
    assert (record.entries_removed, record.partitions_dropped) == (1, None)
    assert not AuditEntry.objects.filter(pk=first).exists()
    assert partition_of(late) == month
    assert chain.verify().ok


def test_a_search_over_a_period_reads_only_its_months() -> None:
    old_month()
    audrey = staff_create(username="audrey", password="x" * 12, role=Role.AUDITOR, agency=None)
    now = timezone.now()

    plan = log_search.entries(reader=audrey, since=now - timedelta(days=1), until=now + timedelta(hours=1)).explain()

    this_month = partitions.name_of(partitions.month_start(now))
    assert this_month in plan
    assert partitions.name_of(partitions.month_start(now - timedelta(days=11 * YEARS))) not in plan
    assert partitions.DEFAULT not in plan


def test_the_application_role_cannot_reach_a_partition_by_name() -> None:
    write(1, age_days=0)
    month = partitions.name_of(partitions.month_start(timezone.now()))
    raw("DO $$ BEGIN CREATE ROLE sspf_app_test NOSUPERUSER; EXCEPTION WHEN duplicate_object THEN NULL; END $$")
    raw("GRANT ALL ON audit_auditentry TO sspf_app_test")
    for sql in (f"TRUNCATE {month}", f"DELETE FROM {month}", f"ALTER TABLE audit_auditentry DETACH PARTITION {month}"):  # noqa: S608
        with pytest.raises(DatabaseError, match="permission denied|must be owner"), transaction.atomic():
            raw("SET LOCAL ROLE sspf_app_test")
            raw(sql)

    assert AuditEntry.objects.count() == 1


def test_the_check_fails_while_the_default_partition_holds_entries() -> None:
    out = StringIO()
    call_command("audit_partitions", "--check", stdout=out)
    assert "0 entries in the default partition" in out.getvalue()

    write(1, age_days=62)  # two months back: no partition (migrate created this month onwards)

    with pytest.raises(CommandError, match="default partition"):
        call_command("audit_partitions", "--check", stdout=StringIO())
    since = (timezone.now() - timedelta(days=62)).date().isoformat()
    err = StringIO()
    with pytest.raises(CommandError, match="could not be created"):
        call_command("audit_partitions", "--since", since, stdout=StringIO(), stderr=err)
    assert partitions.name_of(partitions.month_start(timezone.now() - timedelta(days=62))) in err.getvalue()


def test_every_partition_refuses_truncate() -> None:
    """The parent's TRUNCATE trigger does not fire for a partition truncated by name: each month
    and the default partition have their own."""
    old_month()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid AND t.tgtype & 32 = 32) "
            "FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'audit_auditentry'::regclass"
        )
        guarded = dict(cursor.fetchall())

    assert partitions.DEFAULT in guarded
    assert len(guarded) >= 5  # the default, this month, three ahead (and the old one)
    assert all(guarded.values()), [name for name, has in guarded.items() if not has]
