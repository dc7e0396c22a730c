"""The case, its data key, and its team (the django-guardian grant that is access)."""

from __future__ import annotations

import uuid
from typing import ClassVar

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from guardian.managers import UserObjectPermissionManager
from guardian.models import UserObjectPermissionBase

from cases import crypto
from cases.fields import EncryptedQuerySet, EncryptedTextField
from cases.models.staff import Agency, Role
from cases.querysets import AuditedQuerySet


class Track(models.TextChoices):
    SSPF = "sspf", _("SSPF")
    LINKOPING = "linkoping", _("Linköpingsmodellen")


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class CaseOutcome(models.TextChoices):
    """Why a case was closed: a plain column, so that outcomes can be counted (the reason itself is
    encrypted free text)."""

    GOAL_REACHED = "goal_reached", _("Goal reached")
    CONSENT_WITHDRAWN = "consent_withdrawn", _("Consent withdrawn")
    MOVED = "moved", _("Moved")
    AGED_OUT = "aged_out", _("Aged out")
    OTHER = "other", _("Other")


class Custody(models.TextChoices):
    """Who has custody of the youth (vårdnad): both parents together, one alone, or not yet known."""

    JOINT = "joint", _("Joint custody")
    SOLE = "sole", _("Sole custody")
    UNKNOWN = "unknown", _("Custody not confirmed")


class CaseNumberSequence(models.Model):
    """The last number handed out per track and year; locked row by row when a case opens."""

    track = models.CharField(max_length=20, choices=Track.choices)
    year = models.PositiveIntegerField()
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["track", "year"], name="case_sequence_unique")]

    def __str__(self) -> str:
        return f"{self.track}-{self.year}"


class Case(models.Model):
    """One young person's case on one track. The number carries no personal data."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    track = models.CharField(_("track"), max_length=20, choices=Track.choices)
    year = models.PositiveIntegerField(editable=False)
    sequence = models.PositiveIntegerField(editable=False)
    status = models.CharField(_("status"), max_length=10, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    district = models.CharField(_("district"), max_length=100)
    custody = models.CharField(_("custody"), max_length=10, choices=Custody.choices, default=Custody.UNKNOWN)
    owning_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="owned_cases")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_cases")
    summary = EncryptedTextField(_("summary"), blank=True, default="")
    opened_at = models.DateTimeField(_("opened at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    close_reason = EncryptedTextField(_("reason for closing"), null=True, blank=True)
    # Empty while the case is open (constraint case_outcome_matches_status).
    outcome = models.CharField(_("outcome"), max_length=20, choices=CaseOutcome.choices, blank=True, default="")
    version = models.PositiveIntegerField(default=1)

    objects = EncryptedQuerySet.as_manager()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        constraints = [
            models.UniqueConstraint(fields=["track", "year", "sequence"], name="case_number_per_track_year"),
            models.CheckConstraint(condition=Q(track__in=Track.values), name="case_track_valid"),
            models.CheckConstraint(condition=Q(status__in=CaseStatus.values), name="case_status_valid"),
            models.CheckConstraint(condition=Q(custody__in=Custody.values), name="case_custody_valid"),
            models.CheckConstraint(
                condition=Q(status=CaseStatus.OPEN, closed_at__isnull=True)
                | Q(status=CaseStatus.CLOSED, closed_at__isnull=False),
                name="case_closed_at_matches_status",
            ),
            models.CheckConstraint(
                condition=Q(status=CaseStatus.OPEN, outcome="")
                | Q(status=CaseStatus.CLOSED, outcome__in=CaseOutcome.values),
                name="case_outcome_matches_status",
            ),
        ]
        indexes = [models.Index(fields=["-opened_at", "id"], name="case_opened_idx")]

    def __str__(self) -> str:
        return self.number

    def encryption_case(self) -> Case:
        return self

    def encryption_cipher(self) -> tuple[str, AESGCM]:
        """The (data key id, AES-GCM cipher) protecting this case's content; unwrapped once."""
        cached = crypto.cached_cipher(self)  # every field read asks: a list page's 200 (before any string is built)
        if cached is not None:
            return cached
        # The reverse one-to-one raises a DoesNotExist that is also an AttributeError: None.
        key_row = getattr(self, "key", None)
        return crypto.owner_cipher(self, key_row=key_row, binding=str(self.pk), what=f"Case {self.pk}")


class CaseKey(models.Model):
    """A case's data key, wrapped by a master key. Deleting this row shreds the case's content."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, primary_key=True, related_name="key")
    key_id = models.CharField(max_length=16)
    master_key_id = models.CharField(max_length=16)
    wrapped = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)
    rewrapped_at = models.DateTimeField(null=True, blank=True)

    objects = AuditedQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["master_key_id"], name="casekey_master_idx")]

    def __str__(self) -> str:
        return f"data key of case {self.case_id}"


class SystemKey(models.Model):
    """A data key for content that belongs to no case (e.g. auditors' log-review comments),
    wrapped by a master key like a case key; re-wrapped by ``rotate_keys`` too."""

    name = models.CharField(max_length=40, primary_key=True)
    key_id = models.CharField(max_length=16)
    master_key_id = models.CharField(max_length=16)
    wrapped = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)
    rewrapped_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"system key {self.name}"


# Advisory lock class for creating a system key (pg_advisory_xact_lock(class, hashtext(name))).
SYSTEM_KEY_LOCK = 0x5A5F_A0D2


def _system_key_create(name: str, *, binding: str) -> SystemKey:
    """The system key ``name``, created if it does not exist yet. Under a transaction-level
    advisory lock, so that processes using it for the first time at once create one row and read
    it, instead of all inserting and all but one failing on the primary key (issue 15). Under
    READ COMMITTED the ``get`` after the lock sees a row committed while this one waited."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [SYSTEM_KEY_LOCK, name])
        key_id = crypto.new_key_id()
        master_id, wrapped = crypto.wrap_data_key(crypto.new_data_key(), case_id=binding, key_id=key_id)
        row, _created = SystemKey.objects.get_or_create(
            name=name, defaults={"key_id": key_id, "master_key_id": master_id, "wrapped": wrapped}
        )
    return row


class SystemKeyOwner:
    """Stands in for a case as the owner of an encrypted value: ``encryption_cipher`` like Case's."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.pk = f"system:{name}"
        self._cipher: tuple[str, AESGCM] | None = None

    def encryption_cipher(self) -> tuple[str, AESGCM]:
        if self._cipher is None:
            # The key exists after its first use: read it without a lock; create it only if not.
            row = SystemKey.objects.filter(name=self.name).first() or _system_key_create(self.name, binding=self.pk)
            data_key = crypto.unwrap_data_key(
                row.wrapped, master_key_id=row.master_key_id, case_id=self.pk, key_id=row.key_id
            )
            self._cipher = (row.key_id, AESGCM(data_key))
        return self._cipher


# Named first: the type checker follows from_queryset only when its result is assigned to a name.
_GrantManagerBase = UserObjectPermissionManager.from_queryset(AuditedQuerySet)


class CaseGrantManager(_GrantManagerBase):
    """guardian's manager (``assign_perm``, ``remove_perm``) over a queryset that refuses the bulk
    writes that would change team membership without an audit entry."""


class CaseUserObjectPermission(UserObjectPermissionBase):
    """django-guardian's direct foreign-key grant table for cases: the store of team membership."""

    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)

    objects: ClassVar[CaseGrantManager] = CaseGrantManager()

    class Meta(UserObjectPermissionBase.Meta):
        indexes = [models.Index(fields=["user", "permission", "content_object"], name="case_perm_user_idx")]


class CaseMember(models.Model):
    """Who is on a case's team, in which role, added by whom. Access itself is the guardian grant."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="case_memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    objects = AuditedQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "user"], name="case_member_unique")]

    def __str__(self) -> str:
        return f"member {self.user_id} of case {self.case_id}"
