"""The one documented way to remove audit entries: old ones, with a signed record, chain intact."""

from __future__ import annotations

import base64
import os
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from audit import chain, log_retention, signing
from audit.models import AuditEntry, AuditEvent, AuditRetention
from audit.services import _entry
from cases.models import Case

pytestmark = pytest.mark.django_db

YEARS = 365


@pytest.fixture(autouse=True)
def signing_key(settings: Any) -> None:
    settings.AUDIT_SIGNING_KEY = base64.b64encode(os.urandom(32)).decode()
    settings.AUDIT_RETENTION_DAYS = 10 * YEARS


def write(count: int, *, age_days: int) -> list[int]:
    ids = []
    for n in range(count):
        entry = _entry(event=AuditEvent.ACCESS, model=Case, object_pk=f"case-{n}", case_number=f"SSPF-2014-{n:04d}")
        entry.timestamp = timezone.now() - timedelta(days=age_days)
        entry.save()
        ids.append(entry.pk)
    return ids


def test_old_entries_go_with_a_signed_record_and_the_rest_still_verifies() -> None:
    old = write(5, age_days=11 * YEARS)
    new = write(3, age_days=10)
    chain.seal()

    record = log_retention.remove_expired(before=timezone.now() - timedelta(days=int(10.5 * YEARS)), performed_by="dba")

    assert record is not None and record.entries_removed == 5
    assert not AuditEntry.objects.filter(pk__in=old).exists()
    assert set(AuditEntry.objects.values_list("pk", flat=True)) == set(new)
    assert signing.signature_valid(record)
    result = chain.verify()
    assert (result.ok, result.entries_checked) == (True, 3)
    assert (
        log_retention.remove_expired(before=timezone.now() - timedelta(days=int(10.5 * YEARS)), performed_by="dba")
        is None
    )


def test_entries_younger_than_the_retention_period_are_never_removed() -> None:
    write(2, age_days=30)
    chain.seal()

    with pytest.raises(ValueError, match="too recent"):
        log_retention.remove_expired(before=timezone.now() - timedelta(days=10), performed_by="dba")

    assert AuditEntry.objects.count() == 2


def test_a_dry_run_changes_nothing() -> None:
    write(3, age_days=11 * YEARS)
    out = StringIO()

    call_command(
        "audit_retention",
        "--before",
        (timezone.now() - timedelta(days=int(10.5 * YEARS))).isoformat(),
        "--dry-run",
        stdout=out,
    )

    assert "would remove" in out.getvalue()
    assert AuditEntry.objects.count() == 3
    assert not AuditRetention.objects.exists()


def test_a_forged_retention_record_fails_verification(settings: Any) -> None:
    write(3, age_days=11 * YEARS)
    write(1, age_days=1)
    chain.seal()
    log_retention.remove_expired(before=timezone.now() - timedelta(days=int(10.5 * YEARS)), performed_by="dba")
    settings.AUDIT_SIGNING_KEY = base64.b64encode(os.urandom(32)).decode()  # someone else's key

    result = chain.verify()

    assert result.ok is False
    assert result.problem == "the retention record's signature does not hold"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="roles are PostgreSQL's")
def test_the_application_role_cannot_use_the_retention_path() -> None:
    write(2, age_days=11 * YEARS)
    with connection.cursor() as cursor:
        cursor.execute(
            "DO $$ BEGIN CREATE ROLE sspf_app_test NOSUPERUSER; EXCEPTION WHEN duplicate_object THEN NULL; END $$"
        )
        cursor.execute("GRANT ALL ON audit_auditentry, audit_auditchainlink TO sspf_app_test")
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL ROLE sspf_app_test")
        cursor.execute("SET LOCAL audit.retention_run = 'on'")
        cursor.execute("DELETE FROM audit_auditentry")

    assert AuditEntry.objects.count() == 2


def test_a_log_check_of_a_removed_period_keeps_what_it_judged(settings: Any) -> None:
    from cases.models import Role
    from cases.services import staff_create
    from oversight.log_reviews import review_start

    settings.AUDIT_OFFICE_HOURS = (0, 24)
    settings.AUDIT_OFFICE_WEEKDAYS = list(range(7))
    settings.AUDIT_REVIEW_MAX_DAYS = 12 * YEARS  # one check over the whole removed period
    old = write(3, age_days=11 * YEARS)  # the oldest part of the chain
    audrey = staff_create(username="audrey", password="x" * 12, role=Role.AUDITOR, agency=None)
    now = timezone.now()
    review = review_start(actor=audrey, period_start=now - timedelta(days=12 * YEARS), period_end=now, sample_size=3)
    chain.seal()

    record = log_retention.remove_expired(before=now - timedelta(days=int(10.5 * YEARS)), performed_by="dba")

    assert record is not None and record.entries_removed == 3
    items = list(review.items.all())
    assert sorted(i.entry_number for i in items) == old
    assert all(i.entry_id is None for i in items)
    assert chain.verify().ok
