"""Agencies and staff: who works where, in which role."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.querysets import AuditedQuerySet


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

# The django-guardian object permission that is team membership, and the blind index's purpose for
# personal identity numbers (cases.crypto.blind_index).
VIEW_CASE = "view_case"
PNR_INDEX_PURPOSE = "personal_number"


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
