"""Move every django-otp TOTPDevice into accounts.SealedTOTPDevice, its key sealed under the
``totp`` system key bound to the new row, and delete the plaintext rows (docs/decisions/0013).

The historical model has no ``encryption_case``, so the value is sealed here with the same
primitives and associated data the field uses (cases.crypto.field_aad over table, column, row id).
"""

from __future__ import annotations

import uuid

from django.db import migrations

from cases import crypto
from cases.fields import Sealed

TOTP_KEY_NAME = "totp"


def encrypt_existing(apps, schema_editor):
    Plain = apps.get_model("otp_totp", "TOTPDevice")
    Sealed_ = apps.get_model("accounts", "SealedTOTPDevice")
    plain_rows = list(Plain.objects.all())
    if not plain_rows:
        return
    from cases.models import SystemKeyOwner

    key_id, cipher = SystemKeyOwner(TOTP_KEY_NAME).encryption_cipher()
    table = Sealed_._meta.db_table
    column = Sealed_._meta.get_field("key").column
    for old in plain_rows:
        uid = uuid.uuid4()
        # As accounts.models.sealed_row_id: the random row id and the owner.
        aad = crypto.field_aad(key_id=key_id, table=table, column=column, row_id=f"{uid}:{old.user_id}")
        Sealed_.objects.create(
            uid=uid,
            user_id=old.user_id,
            name=old.name,
            confirmed=old.confirmed,
            key=Sealed(crypto.encrypt_value(cipher, old.key, key_id=key_id, aad=aad)),
            step=old.step,
            t0=old.t0,
            digits=old.digits,
            tolerance=old.tolerance,
            drift=old.drift,
            last_t=old.last_t,
            throttling_failure_timestamp=old.throttling_failure_timestamp,
            throttling_failure_count=old.throttling_failure_count,
            created_at=old.created_at,
            last_used_at=old.last_used_at,
        )
    Plain.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("otp_totp", "0003_add_timestamps"),
        ("cases", "0009_meetings_visits_closure"),
    ]

    # One way: the plaintext is gone on purpose.
    operations = [migrations.RunPython(encrypt_existing, migrations.RunPython.noop)]
