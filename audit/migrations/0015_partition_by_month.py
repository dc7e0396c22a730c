"""The audit entries, partitioned by month (PostgreSQL; audit/partitions.py, decision 0018).

The table is rebuilt as ``PARTITION BY RANGE (timestamp)``: a month partition (UTC) for each
month that holds entries and from this month to AUDIT_PARTITIONS_AHEAD months ahead, and a
default partition, each with its TRUNCATE trigger. Its
primary key becomes (id, timestamp), as PostgreSQL requires of a partitioned table, so the chain
links and the log-check items lose their foreign keys to it (the ids stay; verify finds a link
whose entry is gone). Every entry is copied with its id, the id sequence continues where it
was (under its old name), and the indexes, foreign keys, append-only triggers and the app role's
grants are made again on the new table, INSERT on every column but ``id``. The copy takes about as long as the table's indexes took to build: at
millions of entries, run it in a maintenance window (docs/operations.md).

SQLite (development) has no partitioning: only the model state changes; its foreign keys stay
(altering them would rebuild the tables and drop their append-only triggers).
"""

from datetime import UTC, datetime

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

OLD = "audit_auditentry_unpartitioned"


def _next(start: datetime) -> datetime:
    return datetime(start.year + start.month // 12, start.month % 12 + 1, 1, tzinfo=UTC)


def _months(held: list[datetime], ahead: int) -> list[datetime]:
    """The months that hold entries, and this month to ``ahead`` months ahead: not every month
    back to the oldest entry (one entry dated 1970 would make 688 partitions, and one dated 1900
    more than a transaction can lock)."""
    now = datetime.now(UTC)
    start = datetime(now.year, now.month, 1, tzinfo=UTC)
    months = {datetime(m.year, m.month, 1, tzinfo=UTC) for m in held}
    for _ in range(ahead + 1):
        months.add(start)
        start = _next(start)
    return sorted(months)


def partition(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass('audit_auditentry')")
        if cursor.fetchone()[0] == "p":
            return
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
            "AND tablename = 'audit_auditentry' AND indexname <> 'audit_auditentry_pkey'"
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'audit_auditentry'::regclass AND contype = 'f'"
        )
        outgoing = cursor.fetchall()
        cursor.execute(
            "SELECT conname, conrelid::regclass::text FROM pg_constraint "
            "WHERE confrelid = 'audit_auditentry'::regclass AND contype = 'f'"
        )
        incoming = cursor.fetchall()
        cursor.execute(
            "SELECT grantee, string_agg(privilege_type, ', ') FROM information_schema.role_table_grants "
            "WHERE table_schema = current_schema() AND table_name = 'audit_auditentry' AND grantee <> current_user "
            "GROUP BY grantee"
        )
        grants = cursor.fetchall()
        for name, table in incoming:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute(f"ALTER TABLE audit_auditentry RENAME TO {OLD}")
        cursor.execute(f"ALTER TABLE {OLD} RENAME CONSTRAINT audit_auditentry_pkey TO {OLD}_pkey")
        cursor.execute(
            f"CREATE TABLE audit_auditentry (LIKE {OLD} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING IDENTITY) "
            'PARTITION BY RANGE ("timestamp")'
        )
        cursor.execute(f"SELECT DISTINCT date_trunc('month', \"timestamp\" AT TIME ZONE 'UTC') FROM {OLD}")  # noqa: S608
        held = [row[0] for row in cursor.fetchall()]
        partitions = [("audit_auditentry_default", "DEFAULT")]
        for start in _months(held, settings.AUDIT_PARTITIONS_AHEAD):
            name = f"audit_auditentry_y{start.year:04d}m{start.month:02d}"
            bounds = f"FOR VALUES FROM ('{start.isoformat()}') TO ('{_next(start).isoformat()}')"
            partitions.append((name, bounds))
        for name, bounds in partitions:
            cursor.execute(f"CREATE TABLE {name} PARTITION OF audit_auditentry {bounds}")
            cursor.execute(
                f"ALTER TABLE {name} SET (autovacuum_analyze_scale_factor = 0, autovacuum_analyze_threshold = 20000)"
            )
            cursor.execute(
                f"CREATE TRIGGER {name}_no_truncate BEFORE TRUNCATE ON {name} "
                "FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate()"
            )
        cursor.execute(f"INSERT INTO audit_auditentry SELECT * FROM {OLD}")  # noqa: S608
        cursor.execute(f"SELECT pg_get_serial_sequence('{OLD}', 'id'), pg_get_serial_sequence('audit_auditentry', 'id')")
        old_sequence, new_sequence = cursor.fetchone()
        cursor.execute(f"SELECT last_value, is_called FROM {old_sequence}")  # noqa: S608
        last_value, is_called = cursor.fetchone()
        cursor.execute("SELECT setval(%s, %s, %s)", [new_sequence, last_value, is_called])
        cursor.execute(f"DROP TABLE {OLD}")
        # The new identity's sequence was named audit_auditentry_id_seq1 while the old one held the
        # name; the grants in docs/audit.md name it.
        cursor.execute(f"ALTER SEQUENCE {new_sequence} RENAME TO audit_auditentry_id_seq")
        cursor.execute('ALTER TABLE audit_auditentry ADD CONSTRAINT audit_auditentry_pkey PRIMARY KEY (id, "timestamp")')
        for name, definition in outgoing:
            cursor.execute(f'ALTER TABLE audit_auditentry ADD CONSTRAINT "{name}" {definition}')
        for _name, definition in indexes:
            cursor.execute(definition)
        cursor.execute(
            "CREATE TRIGGER audit_auditentry_append_only BEFORE UPDATE OR DELETE ON audit_auditentry "
            "FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()"
        )
        cursor.execute(
            "CREATE TRIGGER audit_auditentry_no_truncate BEFORE TRUNCATE ON audit_auditentry "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate()"
        )
        # The grants carried over, but INSERT only on the columns other than id: with a key of
        # (id, timestamp) nothing else keeps an id unique, so an id is the sequence's alone (a role
        # that could write one could add a second "entry 7" beside the sealed one).
        cursor.execute(
            "SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute "
            "WHERE attrelid = 'audit_auditentry'::regclass AND attnum > 0 AND NOT attisdropped AND attname <> 'id'"
        )
        columns = cursor.fetchone()[0]
        for grantee, privileges in grants:
            kept = [p.strip() for p in privileges.split(",") if p.strip() != "INSERT"]
            if kept:
                cursor.execute(f'GRANT {", ".join(kept)} ON audit_auditentry TO "{grantee}"')
            if "INSERT" in privileges:
                cursor.execute(f'GRANT INSERT ({columns}) ON audit_auditentry TO "{grantee}"')


class Migration(migrations.Migration):
    dependencies = [("audit", "0014_checkpoint")]

    operations = [
        migrations.AddField(
            model_name="auditretention",
            name="partitions_dropped",
            field=models.JSONField(blank=True, null=True),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="auditchainlink",
                    name="entry",
                    field=models.OneToOneField(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="link",
                        to=settings.AUDITLOG_LOGENTRY_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="logreviewitem",
                    name="entry",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUDITLOG_LOGENTRY_MODEL,
                    ),
                ),
            ],
        ),
        migrations.RunPython(partition, elidable=False),
    ]
