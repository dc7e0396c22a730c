"""Reads to a streaming replica: the router's rules, and, when a replica is up (``make replica``;
CI starts one), the auditor's search and the statistics read from it for real while the writer
reads its own writes from the primary (issue 19; docs/operations.md#a-read-replica)."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.db import connection, connections
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import AuditEntry, AuditEvent
from audit.services import record
from cases.models import Agency, AgencyKind, Case
from cases.routing import REPLICA, ReplicaRouter, replica_reads
from oversight import anomalies, log_reviews, log_search, results

pytestmark = pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")  # the router reads it only

ROUTER = ReplicaRouter()
WITH_REPLICA = {**settings.DATABASES, REPLICA: {**settings.DATABASES["default"]}}
# The aliases a replica test opens: the replica only when one is configured (else it is skipped).
BOTH = ["default", REPLICA] if REPLICA in settings.DATABASES else ["default"]
# Decided before the database is set up: a transactional test's flush on SQLite meets the
# append-only triggers, so these tests must not start there at all.
needs_replica = pytest.mark.skipif(
    connection.vendor != "postgresql" or REPLICA not in settings.DATABASES,
    reason="needs PostgreSQL and a replica: `make replica` and DATABASE_REPLICA_URL",
)


def test_without_a_replica_everything_reads_from_the_primary() -> None:
    with override_settings(DATABASES={k: v for k, v in settings.DATABASES.items() if k != REPLICA}), replica_reads():
        assert ROUTER.db_for_read(AuditEntry) is None


@override_settings(DATABASES=WITH_REPLICA, REPLICA_READS=True)
def test_reads_in_a_replica_block_go_to_the_replica_until_it_writes() -> None:
    assert ROUTER.db_for_read(AuditEntry) is None  # outside a block: the primary
    with replica_reads():
        assert ROUTER.db_for_read(AuditEntry) == REPLICA
        assert ROUTER.db_for_write(AuditEntry) == "default"  # its own audit entry: not read back
        assert ROUTER.db_for_read(Case) == REPLICA
        assert ROUTER.db_for_write(Agency) == "default"
        assert ROUTER.db_for_read(Case) is None  # the writer reads its own writes
    with replica_reads():
        assert ROUTER.db_for_read(Case) == REPLICA  # a new block starts on the replica again
    assert ROUTER.allow_migrate(REPLICA, "cases") is False
    assert ROUTER.allow_migrate("default", "cases") is True


@override_settings(DATABASES=WITH_REPLICA, REPLICA_READS=False)
def test_routing_can_be_switched_off() -> None:
    with replica_reads():
        assert ROUTER.db_for_read(Case) is None


def _replica_up() -> str:
    if connection.vendor != "postgresql":
        return "the replica is PostgreSQL's streaming replication"
    if REPLICA not in settings.DATABASES:
        return "no replica configured: start one with `make replica` and set DATABASE_REPLICA_URL"
    try:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute("SELECT pg_is_in_recovery()")
            if not cursor.fetchone()[0]:
                return "DATABASE_REPLICA_URL names a primary, not a replica"
    except Exception as exc:  # noqa: BLE001 - any reason the replica cannot be reached is a skip
        return f"the replica does not answer: {type(exc).__name__}"
    return ""


def _replicated(entry_id: int, seconds: float = 10) -> float:
    """Seconds until the replica has the entry (its replay lag as the test sees it)."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if AuditEntry.objects.using(REPLICA).filter(pk=entry_id).exists():
            return time.monotonic() - started
        time.sleep(0.05)
    pytest.fail(f"the replica did not have entry {entry_id} after {seconds} s")


@needs_replica
@pytest.mark.django_db(transaction=True, databases=BOTH)
@override_settings(REPLICA_READS=True)
def test_the_auditors_search_and_the_statistics_read_from_the_real_replica(case: Any, audrey: Any, carl: Any) -> None:
    reason = _replica_up()
    if reason:
        pytest.skip(reason)
    entry = record(event=AuditEvent.ACCESS, model=Case, object_pk=str(case.pk), case=case, actor=carl)
    _replicated(entry.pk)

    with CaptureQueriesContext(connections[REPLICA]) as on_replica, CaptureQueriesContext(connection) as on_primary:
        found = list(log_search.entries(reader=audrey, case=case.number))
    assert entry.pk in [e.pk for e in found]
    assert any("audit_auditentry" in q["sql"] for q in on_replica.captured_queries)
    assert not any('FROM "audit_auditentry"' in q["sql"] for q in on_primary.captured_queries)

    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        report = results.report_for_reader(reader=carl, year=timezone.localdate().year)
    assert report["year"] == timezone.localdate().year and "cases_opened" in report
    assert any("cases_case" in q["sql"] for q in on_replica.captured_queries)


@needs_replica
@pytest.mark.django_db(transaction=True, databases=BOTH)
@override_settings(REPLICA_READS=True)
def test_the_writer_reads_its_own_write_from_the_primary(agencies: Any) -> None:
    reason = _replica_up()
    if reason:
        pytest.skip(reason)
    with replica_reads(), CaptureQueriesContext(connection) as on_primary:
        made = Agency.objects.create(name="Fritidsgården Norr", kind=AgencyKind.LEISURE)
        read_back = Agency.objects.get(pk=made.pk)  # the replica may not have it yet
    assert read_back.name == "Fritidsgården Norr"
    assert sum('FROM "cases_agency"' in q["sql"] for q in on_primary.captured_queries) == 1


@needs_replica
@pytest.mark.django_db(transaction=True, databases=BOTH)
@override_settings(REPLICA_READS=True)
def test_a_log_check_takes_its_findings_from_the_primary(case: Any, audrey: Any, olle: Any) -> None:
    """The anomalies page may lag with the replica; a log check records and signs off the period's
    anomalies, so it reads them from the primary (found by an outside review)."""
    reason = _replica_up()
    if reason:
        pytest.skip(reason)
    now = timezone.now()
    denied = record(event=AuditEvent.DENIED, model=Case, object_pk=str(case.pk), case=case, actor=olle)
    _replicated(denied.pk)

    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        found = anomalies.find(since=now - timedelta(hours=1), until=timezone.now())
    assert any(f["entry"] == denied.pk for f in found)
    assert any("audit_auditentry" in q["sql"] for q in on_replica.captured_queries)  # the page: the replica

    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        review = log_reviews.review_start(
            actor=audrey, period_start=now - timedelta(hours=1), period_end=timezone.now(), sample_size=0
        )
    assert review.items.filter(entry_number=denied.pk).exists()
    assert on_replica.captured_queries == []
