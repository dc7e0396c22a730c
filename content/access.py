"""Which cases a user may open, and what of each they may see now: the one place that decides.

``_visible_to`` is the one predicate over cases (team membership, or a running emergency access);
``case_access`` opens one case through it and adds the consent policy's answer (which categories,
on which consents). Every read of case content, by the API and by the web UI, starts here; the
content selectors beside this module (``content.case``, ``content.records``, ``content.consents``)
build what is shown from it and record what was shown (``record_shown``).

Membership is a django-guardian object permission (``view_case`` in ``CaseUserObjectPermission``).
It is folded into the same query as an ``EXISTS`` over the direct permission table instead of
calling ``has_perm``/``get_objects_for_user``: those accept global permissions by default (a
model-level ``view_case`` would show every case) and cost milliseconds of Python per object.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from django.contrib.auth.models import Permission, User
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.http import Http404
from django.utils import timezone

from audit.services import record_access
from cases import personnummer
from cases.crypto import blind_index
from cases.models import (
    NO_CONTENT_ROLES,
    PNR_INDEX_PURPOSE,
    SOCIAL_SERVICES_ROLES,
    VIEW_CASE,
    Agency,
    Case,
    CaseUserObjectPermission,
    StaffProfile,
)
from cases.permissions import MSG_SOCIAL_SERVICES_ONLY, require_social_services, staff_profile
from consent.disclosures import disclosures_record_shown
from consent.models import EmergencyAccess
from consent.policy import (
    CATEGORIES,
    CaseConsents,
    Sharing,
    author_sharing,
    case_consents,
    holds_case,
    reader_sharing,
)

__all__ = [
    "CaseAccess",
    "agencies_list",
    "MSG_SOCIAL_SERVICES_ONLY",
    "case_access",
    "case_accesses",
    "case_for_emergency_access",
    "case_numbers",
    "emergency_accesses_running",
    "require_emergency_reader",
    "case_ids_by_personal_number",
    "case_list_for_user",
    "member_shares_nothing",
    "case_queryset_for_user",
    "record_shown",
    "staff_profile",
]


@dataclass(frozen=True, eq=False)
class CaseAccess:
    """A case the reader may open, and what of it they may see now: each category of the case's
    own content with the consents it rests on (empty for social services, who need none), and,
    through ``author_sharing``, what they may see of what another agency wrote."""

    case: Case
    profile: StaffProfile
    sharing: Sharing
    state: CaseConsents | None = None  # loaded with the sharing for other agencies, on demand else
    at: datetime = field(default_factory=timezone.now)
    _by_author: dict[UUID, Sharing] = field(default_factory=dict, repr=False)

    @property
    def categories(self) -> frozenset[str]:
        return frozenset(self.sharing)

    @property
    def social_services(self) -> bool:
        """The social services that hold the case (``consent.policy.holds_case``)."""
        return holds_case(self.profile, self.case)

    def consents(self) -> CaseConsents:
        """The case's consent state (loaded once: at most five queries)."""
        state = self.state
        if state is None:
            state = case_consents([self.case])[self.case.pk]
            object.__setattr__(self, "state", state)
        return state

    def author_sharing(self, agency_id: UUID) -> Sharing:
        """What the reader may see of what the agency ``agency_id`` wrote on the case
        (``consent.policy.author_sharing``): their own agency's and the case's own social
        services' without another query."""
        if agency_id == self.profile.agency_id:
            return dict.fromkeys(CATEGORIES, frozenset())
        if agency_id == self.case.owning_agency_id:
            return self.sharing
        if agency_id not in self._by_author:
            self._by_author[agency_id] = author_sharing(
                profile=self.profile, state=self.consents(), author_agency_id=agency_id, at=self.at
            )
        return self._by_author[agency_id]


def _view_case_permission_id() -> RawSQL:
    """The ``cases.view_case`` permission's id, as a scalar subquery the database evaluates once
    per query (an InitPlan). Joining auth_permission and django_content_type through the ORM
    instead cost 0.4 ms of Python per request (docs/performance.md); caching the id in the
    process would go stale when a transaction that changed permissions rolls back."""
    permission, content_type = Permission._meta.db_table, ContentType._meta.db_table
    return RawSQL(  # noqa: S611 - table names from the models, values as parameters
        f"SELECT p.id FROM {permission} p JOIN {content_type} t ON t.id = p.content_type_id "  # noqa: S608
        "WHERE p.codename = %s AND t.app_label = %s AND t.model = %s",
        [VIEW_CASE, "cases", "case"],
    )


def _visible_to(user: User, *, emergency: bool = True) -> Q | None:
    """The one predicate over cases that decides access, or None for "nothing at all".

    Every case ``user`` is on the team of, plus (for social services, unless ``emergency`` is
    False) the cases they hold a running emergency access to. Nothing for auditors, admins and
    outsiders; superusers get no bypass: only the guardian grant counts.
    """
    profile = staff_profile(user)
    if profile is None or profile.role in NO_CONTENT_ROLES:
        return None
    grant = CaseUserObjectPermission.objects.filter(
        content_object=OuterRef("pk"), user_id=user.pk, permission_id=_view_case_permission_id()
    )
    visible = Q(Exists(grant))
    now = timezone.now()
    # profile.emergency_until: none of the user's emergency accesses runs past it, so before it
    # there may be one running and after it there is none (the subquery is left out).
    if emergency and profile.role in SOCIAL_SERVICES_ROLES and (profile.emergency_until or now) > now:
        running = EmergencyAccess.objects.filter(
            case=OuterRef("pk"), user_id=user.pk, started_at__lte=now, expires_at__gt=now
        )
        visible |= Q(Exists(running))
    return visible


def case_queryset_for_user(user: User, *, emergency: bool = True) -> QuerySet[Case]:
    """The cases ``user`` may see (``_visible_to``); every read of case data starts here or in
    ``case_access``, which applies the same predicate."""
    visible = _visible_to(user, emergency=emergency)
    return Case.objects.none() if visible is None else Case.objects.filter(visible)


def case_access(*, user: User, case_id: UUID | str) -> CaseAccess:
    """The case with its key and youth, if ``user`` may open it, and what they may see of it now;
    ``Http404`` otherwise.

    404, not 403, so that an outsider cannot tell whether a case exists. The same predicate as
    ``case_queryset_for_user``, applied in a single ``filter()``: every chained queryset method
    copies the two subqueries again (0.3 ms of the request, docs/performance.md).
    """
    profile = staff_profile(user)
    visible = _visible_to(user)
    if visible is None or profile is None:
        raise Http404
    try:
        found = list(Case.objects.select_related("key", "youth").filter(visible, pk=case_id))
    except (ValueError, TypeError, ValidationError):
        raise Http404 from None
    if not found:
        raise Http404
    return case_accesses(profile=profile, cases=found)[0]


def case_accesses(*, profile: StaffProfile, cases: list[Case]) -> list[CaseAccess]:
    """What ``profile`` may see of each of ``cases`` (already through the predicate, each with
    its youth): a page at once, in at most five queries (none for social services)."""
    at = timezone.now()
    needs = [case for case in cases if not holds_case(profile, case)] if profile.agency_id is not None else []
    states = case_consents(needs) if needs else {}
    return [
        CaseAccess(
            case=case,
            profile=profile,
            sharing=reader_sharing(profile=profile, case=case, state=states.get(case.pk), at=at),
            state=states.get(case.pk),
            at=at,
        )
        for case in cases
    ]


def agencies_list(*, user: User) -> list[dict[str, Any]]:
    """Every agency (id, name, kind), for naming consent parties: any signed-in staff member.
    Names of organisations, not personal data."""
    return [
        {"id": pk, "name": name, "kind": kind} for pk, name, kind in Agency.objects.values_list("id", "name", "kind")
    ]


def member_shares_nothing(*, case: Case, user: User) -> bool:
    """Whether a new team member's agency sees nothing of the case now (API.md: the member add
    response warns with ``shares_nothing`` instead of silently giving them a bare list row)."""
    profile = staff_profile(user)
    if profile is None:
        return True
    (access,) = case_accesses(profile=profile, cases=[case])
    return not access.categories


def record_shown(
    *,
    reader: User,
    view: str,
    shown: list[tuple[CaseAccess, set[str]]],
    disclosed: list[tuple[CaseAccess, set[str], Sharing]] | None = None,
) -> None:
    """Case content is being shown to ``reader``: one audit entry per case naming the categories
    shown, and a row in the disclosure register for what a consent made visible, with the
    consents relied on. ``disclosed`` gives each case's categories with their basis when it is
    not the case's own content (another agency's notes: ``CaseAccess.author_sharing``); by
    default everything shown, on ``CaseAccess.sharing``. Written in the caller's transaction:
    if they cannot be written, nothing is shown."""
    # The reader is the entry's actor, whoever set up the request's audit context (or none did).
    record_access(cases_shown={access.case: categories for access, categories in shown}, view=view, actor=reader)
    rows = (
        [(access.case, categories, access.sharing) for access, categories in shown]
        if disclosed is None
        else [(access.case, categories, basis) for access, categories, basis in disclosed]
    )
    if rows:
        disclosures_record_shown(viewer=reader, profile=shown[0][0].profile if shown else None, shown=rows)


def case_list_for_user(*, user: User) -> QuerySet[Case]:
    """The cases ``user`` may see, newest first, with only the columns a list page reads (what it
    shows, the data key to decrypt the youth with, and the youth's birth date for the consent
    policy): a page is 150 model instances, and every column is work (docs/performance.md)."""
    return case_queryset_for_user(user).select_related("key", "youth").only(*LIST_COLUMNS).order_by("-opened_at", "-id")


LIST_COLUMNS = (
    "id",
    "number",
    "track",
    "status",
    "district",
    "opened_at",
    "closed_at",
    "version",
    "custody",
    "owning_agency",
    "key__case_id",
    "key__key_id",
    "key__master_key_id",
    "key__wrapped",
    "youth__id",
    "youth__case_id",
    "youth__given_name",
    "youth__family_name",
    "youth__personal_number",
    "youth__address",
    "youth__protected_identity",
)


def case_member_rows(*, case: Case) -> list[dict[str, Any]]:
    """The team as a case detail shows it (``MemberOutput``'s keys), read as plain rows: building
    four model instances per member cost a tenth of a detail request (docs/performance.md)."""
    rows = case.members.order_by("added_at", "id").values_list(
        "user__username",
        "user__staff_profile__agency__kind",
        "user__staff_profile__agency__name",
        "user__staff_profile__agency_id",
        "role",
    )
    return [
        {"username": username, "agency": kind, "agency_name": name, "agency_id": agency_id, "role": role}
        for username, kind, name, agency_id, role in rows
    ]


def case_ids_by_personal_number(*, user: User, personal_number: str) -> list[UUID]:
    """Ids of the cases about this person that ``user`` may see (social services only: 403 for
    everyone else; a malformed number is a ``ValidationError`` naming ``personal_number``).

    The truncated blind index narrows the candidates (many people share each value); each
    candidate is then decrypted and compared exactly, so equal indexes never give false hits.
    """
    require_social_services(user)
    normalized = personnummer.normalize_field(personal_number, "personal_number")
    index = blind_index(normalized, purpose=PNR_INDEX_PURPOSE)
    # Team membership only, not emergency access: a person with protected identity is found only
    # by social services on their own cases. One filter() with the predicate (see
    # case_access), not a subquery of the case queryset.
    visible = _visible_to(user, emergency=False)
    if visible is None:
        return []
    candidates = Case.objects.filter(visible, youth__personal_number_index=index).select_related("key", "youth")
    return [case.pk for case in candidates if case.youth.personal_number == normalized]


def case_numbers(*, user: User, case_ids: list[Any]) -> dict[Any, str]:
    """The numbers (a plain column, no content) of those of ``case_ids`` the user may see, for
    labelling links such as the start page's reminders. One query through the predicate."""
    if not case_ids:
        return {}
    return dict(case_queryset_for_user(user).filter(pk__in=case_ids).values_list("pk", "number"))


def emergency_accesses_running(*, user: User) -> list[dict[str, Any]]:
    """The user's running emergency accesses (case id, number, when each ends), for the banner the
    web UI shows on every page while one runs. One query, none once ``emergency_until`` is past."""
    profile = staff_profile(user)
    now = timezone.now()
    if profile is None or profile.role not in SOCIAL_SERVICES_ROLES or (profile.emergency_until or now) <= now:
        return []
    rows = EmergencyAccess.objects.filter(user_id=user.pk, started_at__lte=now, expires_at__gt=now)
    return [
        {"case": case_id, "number": number, "expires_at": expires_at}
        for case_id, number, expires_at in rows.order_by("expires_at").values_list(
            "case_id", "case__number", "expires_at"
        )
    ]


def require_emergency_reader(user: User) -> None:
    """Emergency access is for social services only: ``Http404`` for everyone else, before
    anything else of the request is looked at (an outsider learns nothing, not even from a 400)."""
    profile = staff_profile(user)
    if profile is None or profile.role not in SOCIAL_SERVICES_ROLES:
        raise Http404


def case_for_emergency_access(*, user: User, case_id: UUID | str | None = None, number: str = "") -> Case:
    """The case a social services user asks to open in an emergency; 404 for everyone else and
    for unknown ids. The only read of a case outside the team, and it is recorded by the caller."""
    profile = staff_profile(user)
    if profile is None or profile.role not in SOCIAL_SERVICES_ROLES:
        raise Http404  # 404, not 403: emergency access is not a way to learn which cases exist
    lookup: dict[str, Any] = {"pk": case_id} if case_id is not None else {"number": number.strip().upper()}
    try:
        return Case.objects.select_related("key").get(**lookup)
    except (Case.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404 from None
