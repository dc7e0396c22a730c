"""Sessions are stored under a hash of their key from now on (accounts/sessions.py). The rows
written before kept the cookie's value itself: they are deleted, so no usable key stays in the
table; everyone signed in to the web UI or the admin signs in again once. Backwards too: under
Django's own backend a hashed row's key would be taken as a cookie's, so every stored hash
would open its session to whoever reads the table."""

from django.db import migrations


def delete_sessions(apps, schema_editor):
    apps.get_model("sessions", "Session").objects.using(schema_editor.connection.alias).all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_grant_reactivate"),
        ("sessions", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(delete_sessions, delete_sessions),
    ]
