"""Domain model: agencies and staff, youths and guardians, cases and their teams, SSPF meetings,
Linköpingsmodellen home visits, notes and police links.

Personal data and free text live in ``EncryptedTextField`` columns, encrypted under the case's own
data key (``CaseKey``). No ``__str__`` contains personal data: django-auditlog and admin show it.
"""

from __future__ import annotations

import uuid

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from guardian.managers import UserObjectPermissionManager
from guardian.models import UserObjectPermissionBase

from audit.guard import AuditedQuerySet
from cases import crypto
from cases.fields import EncryptedQuerySet, EncryptedTextField


class AgencyKind(models.TextChoices):
    SOCIAL_SERVICES = "social_services", _("Social services")
    POLICE = "police", _("Police")
    SCHOOL = "school", _("School")
    LEISURE = "leisure", _("Leisure")


class Role(models.TextChoices):
    SOCIAL_WORKER = "social_worker", _("Social worker")
    COORDINATOR = "coordinator", _("SSPF coordinator")
    POLICE = "police", _("Police officer")
    SCHOOL = "school", _("School staff")
    LEISURE = "leisure", _("Leisure staff")
    AUDITOR = "auditor", _("Auditor")
    ADMIN = "admin", _("Administrator")


# Which roles belong to which kind of agency. Auditors and administrators read no case content.
ROLE_AGENCY_KIND: dict[str, str | None] = {
    Role.SOCIAL_WORKER: AgencyKind.SOCIAL_SERVICES,
    Role.COORDINATOR: AgencyKind.SOCIAL_SERVICES,
    Role.POLICE: AgencyKind.POLICE,
    Role.SCHOOL: AgencyKind.SCHOOL,
    Role.LEISURE: AgencyKind.LEISURE,
    Role.AUDITOR: None,
    Role.ADMIN: None,
}
SOCIAL_SERVICES_ROLES = frozenset({Role.SOCIAL_WORKER, Role.COORDINATOR})
TEAM_ROLES = frozenset({Role.SOCIAL_WORKER, Role.COORDINATOR, Role.POLICE, Role.SCHOOL, Role.LEISURE})
NO_CONTENT_ROLES = frozenset({Role.AUDITOR, Role.ADMIN})


class Agency(models.Model):
    """A participating organisation: the social services, the local police, a school, a leisure unit."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=AgencyKind.choices)

    objects = AuditedQuerySet.as_manager()

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=AgencyKind.values), name="agency_kind_valid"),
        ]

    def __str__(self) -> str:
        return self.name


class StaffProfile(models.Model):
    """A user's agency and role. The role is mirrored as a Django group of the same name."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="staff_profile"
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="staff")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    # No earlier than the end of every emergency access this user has opened (raised by
    # consent.services.emergency_access_open, never lowered). The case selector looks for a
    # running emergency access only while this lies ahead: for everyone else it leaves that
    # subquery out (docs/performance.md). Lagging behind could only hide a case, never show one.
    emergency_until = models.DateTimeField(_("emergency access until"), null=True, blank=True, editable=False)

    objects = AuditedQuerySet.as_manager()

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")
        constraints = [
            models.CheckConstraint(condition=Q(role__in=Role.values), name="staff_role_valid"),
            models.CheckConstraint(
                condition=Q(role__in=[Role.AUDITOR, Role.ADMIN]) | Q(agency__isnull=False),
                name="staff_team_role_has_agency",
            ),
        ]

    def __str__(self) -> str:
        return f"staff profile {self.user_id}"

    @property
    def is_social_services(self) -> bool:
        return self.role in SOCIAL_SERVICES_ROLES


class Track(models.TextChoices):
    SSPF = "sspf", _("SSPF")
    LINKOPING = "linkoping", _("Linköpingsmodellen")


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


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
    owning_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="owned_cases")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_cases")
    summary = EncryptedTextField(_("summary"), blank=True, default="")
    opened_at = models.DateTimeField(_("opened at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    close_reason = EncryptedTextField(_("reason for closing"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = EncryptedQuerySet.as_manager()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        constraints = [
            models.UniqueConstraint(fields=["track", "year", "sequence"], name="case_number_per_track_year"),
            models.CheckConstraint(condition=Q(track__in=Track.values), name="case_track_valid"),
            models.CheckConstraint(condition=Q(status__in=CaseStatus.values), name="case_status_valid"),
            models.CheckConstraint(
                condition=Q(status=CaseStatus.OPEN, closed_at__isnull=True)
                | Q(status=CaseStatus.CLOSED, closed_at__isnull=False),
                name="case_closed_at_matches_status",
            ),
        ]
        indexes = [models.Index(fields=["-opened_at", "id"], name="case_opened_idx")]

    def __str__(self) -> str:
        return self.number

    def encryption_case(self) -> Case:
        return self

    def encryption_cipher(self) -> tuple[str, AESGCM]:
        """The (data key id, AES-GCM cipher) protecting this case's content; unwrapped once."""
        cached = self.__dict__.get("_cipher")
        if cached is not None:
            return cached
        pending = self.__dict__.get("_new_data_key")
        if pending is not None:
            key_id, data_key = pending
        else:
            try:
                case_key = self.key
            except CaseKey.DoesNotExist:
                raise crypto.DecryptionError(
                    f"Case {self.pk} has no data key: its content has been shredded."
                ) from None
            key_id = case_key.key_id
            data_key = crypto.unwrap_data_key(
                case_key.wrapped, master_key_id=case_key.master_key_id, case_id=str(self.pk), key_id=key_id
            )
        result = (key_id, AESGCM(data_key))
        self.__dict__["_cipher"] = result
        return result


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


class SystemKeyOwner:
    """Stands in for a case as the owner of an encrypted value: ``encryption_cipher`` like Case's."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.pk = f"system:{name}"
        self._cipher: tuple[str, AESGCM] | None = None

    def encryption_cipher(self) -> tuple[str, AESGCM]:
        if self._cipher is None:
            from django.db import transaction

            with transaction.atomic():
                row = SystemKey.objects.select_for_update().filter(name=self.name).first()
                if row is None:
                    key_id, data_key = crypto.new_key_id(), crypto.new_data_key()
                    master_id, wrapped = crypto.wrap_data_key(data_key, case_id=self.pk, key_id=key_id)
                    SystemKey.objects.create(name=self.name, key_id=key_id, master_key_id=master_id, wrapped=wrapped)
                else:
                    key_id = row.key_id
                    data_key = crypto.unwrap_data_key(
                        row.wrapped, master_key_id=row.master_key_id, case_id=self.pk, key_id=key_id
                    )
            self._cipher = (key_id, AESGCM(data_key))
        return self._cipher


class CaseGrantManager(UserObjectPermissionManager.from_queryset(AuditedQuerySet)):  # type: ignore[misc]
    """guardian's manager (``assign_perm``, ``remove_perm``) over a queryset that refuses the bulk
    writes that would change team membership without an audit entry."""


class CaseUserObjectPermission(UserObjectPermissionBase):
    """django-guardian's direct foreign-key grant table for cases: the store of team membership."""

    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)

    objects = CaseGrantManager()

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
    """A guardian (vårdnadshavare) registered on a case."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="guardians")
    name = EncryptedTextField(_("name"))
    personal_number = EncryptedTextField(_("personal identity number"), blank=True, default="")
    phone = EncryptedTextField(_("phone"), blank=True, default="")
    address = EncryptedTextField(_("address"), blank=True, default="")
    protected_identity = models.BooleanField(_("protected identity"), default=False)
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


class Meeting(models.Model):
    """An SSPF meeting with the youth, the guardians and the team."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="meetings")
    held_at = models.DateTimeField(_("held at"))
    notes = EncryptedTextField(_("notes"), blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = EncryptedQuerySet.as_manager()

    class Meta:
        ordering = ["-held_at", "id"]

    def __str__(self) -> str:
        return f"meeting {self.pk}"

    def encryption_case(self) -> Case:
        return self.case


class ActionItem(models.Model):
    """One action in a meeting's action plan (insats): which agency does what, by when."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="actions")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    agency = models.CharField(_("agency"), max_length=20, choices=AgencyKind.choices)
    responsible = EncryptedTextField(_("responsible"))
    action = EncryptedTextField(_("action"))
    due_at = models.DateField(_("due"), null=True, blank=True)
    done_at = models.DateField(_("done"), null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    objects = EncryptedQuerySet.as_manager()

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"action {self.pk}"

    def encryption_case(self) -> Case:
        # Through the meeting: a prefetched action item has its meeting (and so the case and its
        # key) in memory already, while its own ``case`` foreign key would cost a query per row.
        return self.meeting.case


class PresentRole(models.TextChoices):
    YOUTH = "youth", _("Youth")
    GUARDIAN = "guardian", _("Guardian")
    SIBLING = "sibling", _("Sibling")
    OTHER = "other", _("Other")


class HomeVisit(models.Model):
    """A joint home visit by police and social services (Linköpingsmodellen)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="visits")
    occurred_at = models.DateTimeField(_("occurred at"))
    participants = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="home_visits")
    present = models.JSONField(_("present"), default=list)
    source = EncryptedTextField(_("tip or source"), blank=True, default="")
    basis = EncryptedTextField(_("basis for the suspicion"))
    family_told = EncryptedTextField(_("what the family was told"), blank=True, default="")
    outcome = EncryptedTextField(_("outcome"))
    screening_offered = models.BooleanField(_("drug screening offered"), null=True, blank=True)
    screening_accepted = models.BooleanField(_("drug screening accepted"), null=True, blank=True)
    screening_result = EncryptedTextField(_("drug screening result"), blank=True, default="")
    support_offered = EncryptedTextField(_("support offered"), blank=True, default="")
    follow_up_at = models.DateField(_("follow-up"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = EncryptedQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(screening_accepted__isnull=True) | Q(screening_offered=True),
                name="visit_screening_accepted_needs_offer",
            ),
        ]

    def __str__(self) -> str:
        return f"home visit {self.pk}"

    def encryption_case(self) -> Case:
        return self.case


class VisitNote(models.Model):
    """One agency's own notes on a joint home visit. The visit's shared part is every
    participant's; these are the writing agency's, shown to the other only as consent allows."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    visit = models.ForeignKey(HomeVisit, on_delete=models.CASCADE, related_name="agency_notes")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = EncryptedTextField(_("text"))
    created_at = models.DateTimeField(auto_now_add=True)

    objects = EncryptedQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"visit note {self.pk}"

    def encryption_case(self) -> Case:
        # Through the visit: a prefetched note has it (and its case and key) in memory already.
        return self.visit.case


class NoteCategory(models.TextChoices):
    NOTES = "notes", _("Notes")
    MEETINGS = "meetings", _("Meetings")
    VISITS = "visits", _("Visits")
    IDENTITY = "identity", _("Identity")


class Note(models.Model):
    """A journal note on a case, written by a team member of some agency."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    category = models.CharField(_("category"), max_length=20, choices=NoteCategory.choices)
    text = EncryptedTextField(_("text"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = EncryptedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "id"]

    def __str__(self) -> str:
        return f"note {self.pk}"

    def encryption_case(self) -> Case:
        return self.case


class PoliceLink(models.Model):
    """A police case reference linked to the case by a police officer, under consent."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="police_links")
    reference = EncryptedTextField(_("police reference"))
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    linked_at = models.DateTimeField(auto_now_add=True)

    objects = EncryptedQuerySet.as_manager()

    def __str__(self) -> str:
        return f"police link {self.pk}"

    def encryption_case(self) -> Case:
        return self.case


class LegalHold(models.Model):
    """A hold on a case (a records request, an ongoing investigation): a held case is not purged
    whatever its age. Placed and released by a coordinator, with a reason; both are audited."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="legal_holds")
    reason = EncryptedTextField(_("reason"))
    placed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    placed_at = models.DateTimeField(auto_now_add=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)

    objects = EncryptedQuerySet.as_manager()

    class Meta:
        ordering = ["-placed_at", "id"]

    def __str__(self) -> str:
        return f"legal hold {self.pk}"

    def encryption_case(self) -> Case:
        return self.case
