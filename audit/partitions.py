"""The audit log's monthly partitions (PostgreSQL; docs/audit.md, "Partitions"; decision 0018).

``audit_auditentry`` is partitioned by range of ``timestamp``, one partition per calendar month in
UTC (``audit_auditentry_y2026m12``), plus a default partition that takes any entry no month
partition covers, so an insert never fails for want of a partition. ``ensure`` creates the
months from the current one to ``AUDIT_PARTITIONS_AHEAD`` months ahead; it runs after every
``migrate`` and as ``audit_partitions`` (monthly, as the owner role: creating a partition needs
the parent's owner). A month the default partition already holds entries of cannot be created
(PostgreSQL refuses); those entries stay where they are, ``audit_partitions --check`` fails and
retention removes them row by row.

Each month partition gets the log's TRUNCATE trigger of its own (a statement trigger on the
parent does not fire for a partition truncated by name; the row triggers are cloned by
PostgreSQL) and the parent's statistics setting (a partitioned table has no storage parameters).
SQLite has no partitioning: there every function here reports nothing and creates nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.db import connection

TABLE = "audit_auditentry"
DEFAULT = f"{TABLE}_default"
# The parent's former storage parameters (migration 0008): an ANALYZE every 20,000 new entries, so
# the current month's statistics know about today (docs/performance.md).
ANALYZE_OFTEN = "autovacuum_analyze_scale_factor = 0, autovacuum_analyze_threshold = 20000"


@dataclass(frozen=True)
class Partition:
    name: str
    start: datetime | None  # None for the default partition
    end: datetime | None


def month_start(moment: datetime) -> datetime:
    moment = moment.astimezone(UTC)
    return datetime(moment.year, moment.month, 1, tzinfo=UTC)


def next_month(start: datetime) -> datetime:
    return datetime(start.year + start.month // 12, start.month % 12 + 1, 1, tzinfo=UTC)


def name_of(start: datetime) -> str:
    return f"{TABLE}_y{start.year:04d}m{start.month:02d}"


def is_partitioned() -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [TABLE])
        row = cursor.fetchone()
    return bool(row and row[0] == "p")


def partitions() -> list[Partition]:
    """Every partition, month partitions by start, the default last."""
    if not is_partitioned():
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = %s::regclass",
            [TABLE],
        )
        rows = cursor.fetchall()
    months = []
    default = None
    for (name,) in rows:
        if name == DEFAULT:
            default = Partition(name, None, None)
            continue
        start = datetime(int(name[-7:-3]), int(name[-2:]), 1, tzinfo=UTC)
        months.append(Partition(name, start, next_month(start)))
    months.sort(key=lambda p: p.name)  # _yYYYYmMM: by name is by month
    return months + ([default] if default else [])


def _default_holds(start: datetime, end: datetime) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT EXISTS (SELECT 1 FROM {DEFAULT} WHERE "timestamp" >= %s AND "timestamp" < %s)',  # noqa: S608
            [start, end],
        )
        return bool(cursor.fetchone()[0])


def create_month(start: datetime) -> str:
    """One month's partition with its TRUNCATE trigger and statistics setting (idempotent)."""
    name = name_of(start)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {name} PARTITION OF {TABLE} FOR VALUES FROM (%s) TO (%s)",
            [start, next_month(start)],
        )
        cursor.execute(f"ALTER TABLE {name} SET ({ANALYZE_OFTEN})")
        cursor.execute(f"DROP TRIGGER IF EXISTS {name}_no_truncate ON {name}")
        cursor.execute(
            f"CREATE TRIGGER {name}_no_truncate BEFORE TRUNCATE ON {name} "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate()"
        )
    return name


def ensure(*, since: datetime | None = None, ahead: int | None = None) -> tuple[list[str], list[str]]:
    """Create the month partitions from ``since`` (default: this month) to ``ahead`` months past
    this one. Returns (created, blocked): blocked are the months the default partition already
    holds entries of."""
    if not is_partitioned():
        return [], []
    ahead = settings.AUDIT_PARTITIONS_AHEAD if ahead is None else ahead
    existing = {p.name for p in partitions()}
    start = month_start(since or datetime.now(UTC))
    last = month_start(datetime.now(UTC))
    for _ in range(ahead):
        last = next_month(last)
    created, blocked = [], []
    while start <= last:
        name = name_of(start)
        if name not in existing:
            if _default_holds(start, next_month(start)):
                blocked.append(name)
            else:
                created.append(create_month(start))
        start = next_month(start)
    return created, blocked


def default_count() -> int:
    """How many entries lie in the default partition (0 when all is well)."""
    if not is_partitioned():
        return 0
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {DEFAULT}")  # noqa: S608
        return int(cursor.fetchone()[0])


def months_ahead() -> int:
    """How many whole months past the current one have a partition, in a row."""
    names = {p.name for p in partitions()}
    count, start = 0, next_month(month_start(datetime.now(UTC)))
    while name_of(start) in names:
        count += 1
        start = next_month(start)
    return count


def need_attention() -> bool:
    """Whether the partitions need the owner role (for the health check): no month ahead of this
    one, or entries in the default partition. The latter from the statistics PostgreSQL keeps
    (readable by any role; the app role may not read the partition), which trail a commit by
    about a second. False where nothing is partitioned."""
    if not is_partitioned():
        return False
    if months_ahead() < 1:
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT n_live_tup FROM pg_stat_user_tables WHERE relname = %s", [DEFAULT])
        row = cursor.fetchone()
    return bool(row and row[0])
