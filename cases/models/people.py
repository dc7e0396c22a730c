"""The youth a case is about and the guardians: personal data, every field encrypted."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.fields import EncryptedQuerySet, EncryptedTextField
from cases.models.case import Case


class Youth(models.Model):
    """The young person a case is about. One record per case, so shredding a case removes it whole."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="youth")
    personal_number = EncryptedTextField(_("personal identity number"))
    personal_number_index = models.IntegerField(db_index=True, editable=False)
    given_name = EncryptedTextField(_("given name"))
    family_name = EncryptedTextField(_("family name"))
    address = EncryptedTextField(_("address"), blank=True, default="")
    protected_identity = models.BooleanField(_("protected identity"), default=False)

    objects = EncryptedQuerySet.as_manager()

    class Meta:
        verbose_name = _("youth")
        verbose_name_plural = _("youths")

    def __str__(self) -> str:
        return f"youth {self.pk}"

    def encryption_case(self) -> Case:
        return self.case


class Guardian(models.Model):
    """A guardian registered on a case: a custodian (vårdnadshavare) unless ``custodian`` is false."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="guardians")
    name = EncryptedTextField(_("name"))
    personal_number = EncryptedTextField(_("personal identity number"), blank=True, default="")
    phone = EncryptedTextField(_("phone"), blank=True, default="")
    address = EncryptedTextField(_("address"), blank=True, default="")
    protected_identity = models.BooleanField(_("protected identity"), default=False)
    # A guardian who is not a custodian (vårdnadshavare) is registered for contact, but their
    # consent does not lift secrecy for the child (consent.policy).
    custodian = models.BooleanField(_("custodian"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = EncryptedQuerySet.as_manager()

    class Meta:
        verbose_name = _("guardian")
        verbose_name_plural = _("guardians")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"guardian {self.pk}"

    def encryption_case(self) -> Case:
        return self.case
