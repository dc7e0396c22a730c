"""EncryptedTextField: a text column that exists in the database only as row-bound ciphertext.

Views and serializers read and assign plain ``str``; the field encrypts in ``pre_save`` (when the
row id and case key are known) and decrypts lazily on first read through its descriptor, because
``from_db_value`` cannot see the row it belongs to. Anything that would write a value without
encrypting it (``QuerySet.update``, raw assignments that skip ``save``) and any lookup or ordering
on the column is refused loudly: the ciphertext is randomised, so such a query would be wrong.
"""

from __future__ import annotations

import binascii
import logging
from typing import Any, Self

from cryptography.exceptions import InvalidTag
from django.core.exceptions import FieldError
from django.db import models
from django.db.models.query_utils import DeferredAttribute

from cases import crypto
from cases.querysets import AuditedQuerySet

logger = logging.getLogger("cases.crypto")

MSG_NO_QUERY = "{model}.{field} is encrypted; it cannot be used in lookups or ordering."
MSG_UNSEALED_WRITE = (
    "{model}.{field} is encrypted; write it with instance.save() (QuerySet.update and bulk paths "
    "that skip encryption are refused)."
)


class Sealed(str):
    """A ciphertext exactly as stored in the database (never plaintext)."""

    __slots__ = ()


class EncryptedFieldDescriptor(DeferredAttribute):
    """Holds the stored ciphertext in ``__dict__`` and decrypts it once, on first read."""

    field: EncryptedTextField

    def __get__(self, instance: Any, cls: Any = None) -> Any:
        if instance is None:
            return self
        raw = super().__get__(instance, cls)
        if not isinstance(raw, Sealed):
            return raw
        cache = instance.__dict__.setdefault("_decrypted_fields", {})
        attname = self.field.attname
        if attname not in cache:
            cache[attname] = self.field.decrypt(instance, raw)
        return cache[attname]

    def __set__(self, instance: Any, value: Any) -> None:
        instance.__dict__[self.field.attname] = value
        instance.__dict__.get("_decrypted_fields", {}).pop(self.field.attname, None)


class EncryptedTextField(models.TextField):
    """Free text or personal data, encrypted under the owning case's data key.

    The model must provide ``encryption_case()`` returning the ``Case`` whose key protects it.
    """

    descriptor_class = EncryptedFieldDescriptor
    column: str  # Django's ``str | None`` is None only until the field is added to its model

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Sealed | None:
        return None if value is None else Sealed(value)

    def to_python(self, value: Any) -> Any:
        return value

    def pre_save(self, model_instance: Any, add: bool) -> Sealed | None:
        raw = model_instance.__dict__.get(self.attname)
        if raw is None or isinstance(raw, Sealed):
            return raw
        plaintext = str(raw)
        case = model_instance.encryption_case()
        key_id, cipher = case.encryption_cipher()
        sealed = Sealed(crypto.encrypt_value(cipher, plaintext, key_id=key_id, aad=self._aad(model_instance, key_id)))
        model_instance.__dict__[self.attname] = sealed
        model_instance.__dict__.setdefault("_decrypted_fields", {})[self.attname] = plaintext
        return sealed

    def get_db_prep_save(self, value: Any, connection: Any) -> Any:
        if value is not None and not isinstance(value, Sealed):
            raise FieldError(MSG_UNSEALED_WRITE.format(model=self.model.__name__, field=self.name))
        return super().get_db_prep_save(value, connection)

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        raise FieldError(MSG_NO_QUERY.format(model=self.model.__name__, field=self.name))

    def get_transform(self, lookup_name: str) -> Any:
        raise FieldError(MSG_NO_QUERY.format(model=self.model.__name__, field=self.name))

    def _aad(self, instance: Any, key_id: str) -> bytes:
        return crypto.field_aad(
            key_id=key_id, table=instance._meta.db_table, column=self.column, row_id=str(instance.pk)
        )

    def _where(self, instance: Any) -> str:
        """Names the value without showing it (built only when something went wrong)."""
        return f"{type(instance).__name__}.{self.name} of row {instance.pk}"

    def decrypt(self, instance: Any, stored: str) -> str:
        try:
            version, key_id, sealed = crypto.split_value(stored)
            if version != crypto.FORMAT_VERSION:
                # Not the version read: it is part of the stored value, which never goes into a message.
                raise crypto.DecryptionError(f"{self._where(instance)} has an unknown format.")
            case = instance.encryption_case()
            current_id, cipher = case.encryption_cipher()
            if key_id != current_id:
                raise crypto.DecryptionError(f"{self._where(instance)} was encrypted under another data key.")
            return crypto.decrypt_value(cipher, sealed, aad=self._aad(instance, key_id))
        except crypto.DecryptionError as exc:
            logger.error("decryption failed: %s", exc)
            raise
        except InvalidTag:
            message = f"{self._where(instance)} failed its integrity check (it belongs to another row, column or key)."
        except (ValueError, binascii.Error, UnicodeDecodeError):
            message = f"{self._where(instance)} is not a valid stored ciphertext."
        logger.error("decryption failed: %s", message)
        raise crypto.DecryptionError(message)


class EncryptedQuerySet(AuditedQuerySet):
    """Refuses ordering by an encrypted column (ciphertext order is meaningless), and the bulk
    writes that would skip both encryption checks and the audit log."""

    def order_by(self, *field_names: Any) -> Self:
        for name in field_names:
            if isinstance(name, str):
                _refuse_encrypted(self.model, name.lstrip("-?").split("__")[0])
        return super().order_by(*field_names)


def _refuse_encrypted(model: Any, name: str) -> None:
    try:
        field = model._meta.get_field(name)
    except Exception:  # noqa: BLE001 - unknown names are Django's to report
        return
    if isinstance(field, EncryptedTextField):
        raise FieldError(MSG_NO_QUERY.format(model=model.__name__, field=name))
