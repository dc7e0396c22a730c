"""What the team records: SSPF meetings and action plans, Linköpingsmodellen home visits and
each agency's notes on them, notes, police links, and legal holds."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.fields import EncryptedQuerySet, EncryptedTextField
from cases.models.case import Case
from cases.models.staff import Agency, AgencyKind


class MeetingKind(models.TextChoices):
    """Where in the SSPF process a meeting stands: the first with the family, following up the
    action plan, or ending the collaboration."""

    INITIAL = "initial", _("Initial meeting")
    FOLLOW_UP = "follow_up", _("Follow-up meeting")
    CLOSING = "closing", _("Closing meeting")


class PresentRole(models.TextChoices):
    YOUTH = "youth", _("Youth")
    GUARDIAN = "guardian", _("Guardian")
    SIBLING = "sibling", _("Sibling")
    OTHER = "other", _("Other")


class Meeting(models.Model):
    """An SSPF meeting with the youth, the guardians and the team: which kind, which team members
    attended, who of the family was present."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="meetings")
    kind = models.CharField(_("kind"), max_length=20, choices=MeetingKind.choices)
    held_at = models.DateTimeField(_("held at"))
    attendees = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="sspf_meetings", blank=True)
    present = models.JSONField(_("present"), default=list, blank=True)
    notes = EncryptedTextField(_("notes"), blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = EncryptedQuerySet.as_manager()

    class Meta:
        ordering = ["-held_at", "id"]
        constraints = [models.CheckConstraint(condition=Q(kind__in=MeetingKind.values), name="meeting_kind_valid")]

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
    # The team member who answers for the item (optional; v1 clients name one in ``responsible``
    # only): an open item past its due date is a reminder for them.
    responsible_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="action_items"
    )
    action = EncryptedTextField(_("action"))
    due_at = models.DateField(_("due"), null=True, blank=True)
    done_at = models.DateField(_("done"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    position = models.PositiveSmallIntegerField(default=0)

    objects = EncryptedQuerySet.as_manager()

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(done_by__isnull=True) | Q(done_at__isnull=False), name="action_done_by_needs_done_at"
            ),
        ]
        indexes = [
            # Open items by responsible member and due date: "my overdue items" (reminders).
            models.Index(
                fields=["responsible_user", "due_at"], condition=Q(done_at__isnull=True), name="action_open_due_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"action {self.pk}"

    def encryption_case(self) -> Case:
        # Through the meeting: a prefetched action item has its meeting (and so the case and its
        # key) in memory already, while its own ``case`` foreign key would cost a query per row.
        return self.meeting.case


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
    # Whether the family was told that the visit is voluntary: required for every visit recorded
    # since issue 14; null only on visits recorded before (not recorded then).
    informed_voluntary = models.BooleanField(_("told the visit is voluntary"), null=True, blank=True)
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
        indexes = [
            # Visits due for follow-up (reminders).
            models.Index(fields=["follow_up_at"], condition=Q(follow_up_at__isnull=False), name="visit_follow_up_idx"),
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
    # The police authority whose information the reference is (its own information: shown to
    # another agency only under a consent naming both; consent.policy).
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
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
