"""The one way to remove audit entries: the retention path (docs/audit.md, "Retention").

PostgreSQL: DELETE passes the append-only trigger only when the session has set
``audit.retention_run = on`` AND the current role is (a member of) the table's owner; the app
role is not, so it cannot use the path even though it can set the variable. UPDATE and TRUNCATE
stay refused. The retention record itself is append-only.
SQLite (development only): DELETE passes while the retention command holds a row in
``audit_retention_gate`` inside its own transaction.
"""

from django.db import migrations

TABLES = ["audit_auditentry", "audit_auditchainlink"]

POSTGRES = """
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    owner name;
BEGIN
    IF TG_OP = 'DELETE' AND TG_TABLE_NAME <> 'audit_auditretention'
       AND coalesce(current_setting('audit.retention_run', true), '') = 'on' THEN
        SELECT tableowner INTO owner FROM pg_tables WHERE schemaname = TG_TABLE_SCHEMA AND tablename = TG_TABLE_NAME;
        IF pg_has_role(current_user, owner, 'MEMBER') THEN
            RETURN OLD;
        END IF;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only: % on % is refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END $$;
"""


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    with schema_editor.connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute(POSTGRES)
            cursor.execute(
                "CREATE TRIGGER audit_auditretention_append_only BEFORE UPDATE OR DELETE ON audit_auditretention "
                "FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()"
            )
            cursor.execute(
                "CREATE TRIGGER audit_auditretention_no_truncate BEFORE TRUNCATE ON audit_auditretention "
                "FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate()"
            )
        elif vendor == "sqlite":
            cursor.execute("CREATE TABLE audit_retention_gate (opened INTEGER NOT NULL)")
            for table in TABLES:
                cursor.execute(f"DROP TRIGGER {table}_no_delete")
                cursor.execute(
                    f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
                    "WHEN NOT EXISTS (SELECT 1 FROM audit_retention_gate) "
                    f"BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: DELETE on {table} is refused'); END"
                )
            for op in ("UPDATE", "DELETE"):
                cursor.execute(
                    f"CREATE TRIGGER audit_auditretention_no_{op.lower()} BEFORE {op} ON audit_auditretention "
                    f"BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: {op} on audit_auditretention is refused'); END"
                )


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_retention_record")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
