"""Drop the audit table's single-column indexes that no query reads through (docs/performance.md).

State: django-auditlog's fields without ``db_index`` (audit/models.py). Database: only DROP
INDEX (instant), and the correlation id's index is renamed, not rebuilt; the foreign-key
constraints are left alone (Django would drop and re-add them, which re-checks every row of a
table of millions). Reversible: the indexes are built again.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


STATE = [
        migrations.AlterField(
            model_name='auditentry',
            name='action',
            field=models.PositiveSmallIntegerField(choices=[(0, 'create'), (1, 'update'), (2, 'delete'), (3, 'access')], verbose_name='action'),
        ),
        migrations.AlterField(
            model_name='auditentry',
            name='actor',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='actor'),
        ),
        migrations.AlterField(
            model_name='auditentry',
            name='cid',
            field=models.CharField(blank=True, max_length=255, null=True, verbose_name='Correlation ID'),
        ),
        migrations.AlterField(
            model_name='auditentry',
            name='content_type',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='contenttypes.contenttype', verbose_name='content type'),
        ),
        migrations.AlterField(
            model_name='auditentry',
            name='object_id',
            field=models.BigIntegerField(blank=True, null=True, verbose_name='object id'),
        ),
        migrations.AlterField(
            model_name='auditentry',
            name='object_pk',
            field=models.CharField(max_length=255, verbose_name='object pk'),
        ),
        migrations.AddIndex(
            model_name='auditentry',
            index=models.Index(fields=['cid'], name='audit_cid_idx'),
        ),
]

UNUSED = [
    "audit_auditentry_action_dee621eb",
    "audit_auditentry_actor_id_8ab278be",
    "audit_auditentry_cid_74624806_like",
    "audit_auditentry_content_type_id_3fc095fb",
    "audit_auditentry_object_id_c21697b7",
    "audit_auditentry_object_pk_7abe54f3",
    "audit_auditentry_object_pk_7abe54f3_like",
]
AGAIN = [
    'CREATE INDEX IF NOT EXISTS "audit_auditentry_action_dee621eb" ON "audit_auditentry" ("action")',
    'CREATE INDEX IF NOT EXISTS "audit_auditentry_actor_id_8ab278be" ON "audit_auditentry" ("actor_id")',
    'CREATE INDEX IF NOT EXISTS "audit_auditentry_content_type_id_3fc095fb" ON "audit_auditentry" ("content_type_id")',
    'CREATE INDEX IF NOT EXISTS "audit_auditentry_object_id_c21697b7" ON "audit_auditentry" ("object_id")',
    'CREATE INDEX IF NOT EXISTS "audit_auditentry_object_pk_7abe54f3" ON "audit_auditentry" ("object_pk")',
]
AGAIN_PG = [
    'CREATE INDEX IF NOT EXISTS "audit_auditentry_cid_74624806_like" ON "audit_auditentry" ("cid" varchar_pattern_ops)',
    'CREATE INDEX IF NOT EXISTS "audit_auditentry_object_pk_7abe54f3_like" '
    'ON "audit_auditentry" ("object_pk" varchar_pattern_ops)',
]


def drop_unused(apps, schema_editor):
    for name in UNUSED:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute('ALTER INDEX IF EXISTS "audit_auditentry_cid_74624806" RENAME TO "audit_cid_idx"')
    else:
        schema_editor.execute('DROP INDEX IF EXISTS "audit_auditentry_cid_74624806"')
        schema_editor.execute('CREATE INDEX IF NOT EXISTS "audit_cid_idx" ON "audit_auditentry" ("cid")')


def build_again(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute('ALTER INDEX IF EXISTS "audit_cid_idx" RENAME TO "audit_auditentry_cid_74624806"')
        statements = AGAIN + AGAIN_PG
    else:
        schema_editor.execute('DROP INDEX IF EXISTS "audit_cid_idx"')
        statements = [*AGAIN, 'CREATE INDEX IF NOT EXISTS "audit_auditentry_cid_74624806" ON "audit_auditentry" ("cid")']
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0008_analyze_often'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(drop_unused, build_again)],
            state_operations=STATE,
        ),
    ]

