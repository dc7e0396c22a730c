"""Closing a case with four eyes, and opening it again: closure requests waiting for a
coordinator's approval, and reopenings."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from cases.fields import EncryptedQuerySet, EncryptedTextField
from cases.models.case import Case, CaseOutcome


class ClosureRequestStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class ClosureRequest(models.Model):
    """A request to close a case, made by someone who may close it but not alone (the owning social
    worker, with CASE_CLOSURE_NEEDS_APPROVAL on). A coordinator on the team other than the
    requester approves it (the case closes with its outcome and reason) or rejects it (the case
    stays open). At most one is pending per case; decided ones stay as the case's history."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="closure_requests")
    outcome = models.CharField(_("outcome"), max_length=20, choices=CaseOutcome.choices)
    reason = EncryptedTextField(_("reason for closing"))
    status = models.CharField(
        _("status"), max_length=10, choices=ClosureRequestStatus.choices, default=ClosureRequestStatus.PENDING
    )
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # Why a coordinator rejected it (empty otherwise).
    decision_reason = EncryptedTextField(_("reason for the decision"), blank=True, default="")

    objects = EncryptedQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "id"]
        constraints = [
            # One pending request per case; its partial index also serves "pending requests".
            models.UniqueConstraint(
                fields=["case"], condition=Q(status=ClosureRequestStatus.PENDING), name="closure_request_one_pending"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ClosureRequestStatus.values), name="closure_request_status_valid"
            ),
            models.CheckConstraint(condition=Q(outcome__in=CaseOutcome.values), name="closure_request_outcome_valid"),
            models.CheckConstraint(
                condition=Q(status=ClosureRequestStatus.PENDING, decided_by__isnull=True, decided_at__isnull=True)
                | (
                    ~Q(status=ClosureRequestStatus.PENDING)
                    & Q(decided_by__isnull=False, decided_at__isnull=False)
                    & ~Q(decided_by=F("requested_by"))
                ),
                name="closure_request_decided_by_another",
            ),
        ]

    def __str__(self) -> str:
        return f"closure request {self.pk}"

    def encryption_case(self) -> Case:
        return self.case


class CaseReopening(models.Model):
    """A closed case opened again by a coordinator on the team, within its retention period, with
    why. Keeps what the reopening undid: when and how the case had been closed, and the reason
    given then."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="reopenings")
    reason = EncryptedTextField(_("reason for reopening"))
    reopened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reopened_at = models.DateTimeField(_("reopened at"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed at"))
    outcome = models.CharField(_("outcome"), max_length=20, choices=CaseOutcome.choices)
    close_reason = EncryptedTextField(_("reason for closing"), blank=True, default="")

    objects = EncryptedQuerySet.as_manager()

    class Meta:
        ordering = ["-reopened_at", "id"]

    def __str__(self) -> str:
        return f"reopening {self.pk}"

    def encryption_case(self) -> Case:
        return self.case
