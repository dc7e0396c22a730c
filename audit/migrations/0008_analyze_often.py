"""Keep the audit table's planner statistics fresh (PostgreSQL only).

The auditors' searches for recent activity ("what did this user do today") filter on a time
range past the end of the last ANALYZE's histogram. With the default autovacuum threshold (10%
of the table, a million rows at 10 million entries) the statistics lag by days, the planner
believes today holds a handful of rows and scans the whole day through the timestamp index
instead of the (actor, time) index: measured 0.3 ms against 33 ms with 180,000 entries of the day
(docs/performance.md). An ANALYZE every 20,000 new entries samples 30,000 rows and takes well
under a second. Needs autovacuum on, as it is by default (docs/operations.md).
"""

from django.db import migrations


def analyze_often(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE audit_auditentry SET (autovacuum_analyze_scale_factor = 0, "
            "autovacuum_analyze_threshold = 20000)"
        )


def default(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE audit_auditentry RESET (autovacuum_analyze_scale_factor, autovacuum_analyze_threshold)"
        )


class Migration(migrations.Migration):
    dependencies = [("audit", "0007_review_entry_number")]

    operations = [migrations.RunPython(analyze_often, default)]
