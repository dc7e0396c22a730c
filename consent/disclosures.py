"""The disclosure register: writes (statutory disclosures, and consent-based showing of content
to another agency) and reads (social services on the case; auditors, metadata only)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases import personnummer
from cases.models import Case, StaffProfile
from cases.permissions import require_open, require_social_services
from cases.querysets import bulk_writes_allowed
from consent.models import Disclosure, DisclosureBasis
from consent.policy import CATEGORIES, MSG_UNKNOWN_CATEGORY, Sharing

MSG_CHOOSE_ONE = _("Choose at least one.")
MSG_UNKNOWN_PROVISION = _("Unknown provision. Choose one of the configured provisions.")
MSG_AGENCY_NOT_UNDER_PROVISION = _("This provision does not allow disclosure to this agency.")
MSG_CONDITION_UNMET = _("Every condition of the provision must be met and confirmed.")
MSG_TOO_OLD = _("This provision applies only to a person under {age}.")
MSG_ASSESSMENT_REQUIRED = _("Write down the assessment behind the disclosure.")


@transaction.atomic
def disclosure_record_statutory(
    *,
    actor: User,
    case: Case,
    agency: str,
    provision: str,
    conditions: Mapping[str, bool],
    assessment: str,
    information: str,
    categories: Iterable[str],
) -> Disclosure:
    """Register a disclosure without consent under a secrecy-breaking provision (social services
    on the team). Each of the provision's conditions must be confirmed and the assessment written
    down (JO 584-2013); the provision's own limits (agency, age) are checked."""
    require_social_services(actor)
    require_open(case)
    errors: dict[str, list[Any]] = {}
    rule = settings.DISCLOSURE_PROVISIONS.get(provision)
    categories = list(categories)
    unknown = [str(MSG_UNKNOWN_CATEGORY) for c in categories if c not in CATEGORIES]
    if unknown or not categories:
        errors["categories"] = unknown or [MSG_CHOOSE_ONE]
    if not assessment.strip():
        errors["assessment"] = [MSG_ASSESSMENT_REQUIRED]
    if rule is None:
        errors["provision"] = [MSG_UNKNOWN_PROVISION]
    else:
        if agency not in rule["agencies"]:
            errors["agency"] = [MSG_AGENCY_NOT_UNDER_PROVISION]
        unmet = [name for name in rule["conditions"] if conditions.get(name) is not True]
        if unmet:
            errors["conditions"] = [MSG_CONDITION_UNMET]
        max_age = rule.get("max_age")
        if max_age is not None and personnummer.age_on(case.youth.personal_number, timezone.localdate()) >= max_age:
            errors["provision"] = [MSG_TOO_OLD.format(age=max_age)]
    if errors or rule is None:  # a missing rule has put its error in ``errors``
        raise ValidationError(errors)
    disclosure = Disclosure(
        case=case,
        agency=agency,
        categories=sorted(set(categories)),
        basis=DisclosureBasis.STATUTE,
        provision=provision,
        conditions={name: True for name in rule["conditions"]},
        assessment=assessment,
        information=information,
        user=actor,
        disclosed_at=timezone.now(),
    )
    disclosure.full_clean(exclude=["case", "user"])
    disclosure.save()
    return disclosure


def disclosures_record_shown(
    *,
    viewer: User,
    profile: StaffProfile | None,
    shown: Iterable[tuple[Case, Iterable[str], Sharing]],
) -> None:
    """Register that ``viewer`` was shown these categories of these cases on the strength of
    consents (``Sharing``: category → the consent ids it rests on). Only what a consent made
    visible is a disclosure: social services reading their own case, or anyone reading their own
    agency's notes, rests on no consent and leaves no row. One insert however many cases. Called
    by ``content.access.record_shown`` only."""
    if profile is None or profile.agency is None:
        return
    now = timezone.now()
    rows = []
    for case, shown_categories, basis in shown:
        categories = {category for category in shown_categories if basis.get(category)}
        if not categories:
            continue
        rows.append(
            Disclosure(
                case=case,
                agency=profile.agency.kind,
                categories=sorted(categories),
                basis=DisclosureBasis.CONSENT,
                consents=sorted({str(cid) for category in categories for cid in basis[category]}),
                user=viewer,
                disclosed_at=now,
            )
        )
    # Audited by the access entries written for the same response (content.access.record_shown).
    with bulk_writes_allowed():
        Disclosure.objects.bulk_create(rows)


def disclosures_of_case(*, case: Case) -> QuerySet[Disclosure]:
    return Disclosure.objects.filter(case=case).select_related("user")


def disclosures_for_auditor(*, case_ref: UUID | str | None) -> QuerySet[Disclosure]:
    """The register for log review: metadata only (the caller's serializer shows no content)."""
    queryset = Disclosure.objects.select_related("case", "user").only(
        "id",
        "agency",
        "categories",
        "basis",
        "consents",
        "provision",
        "conditions",
        "disclosed_at",
        "case__id",
        "case__number",
        "user__username",
    )
    if case_ref is not None:
        # A UUID is the case's id, a string its number (the API validated which: api.inputs.case_ref).
        queryset = (
            queryset.filter(case_id=case_ref) if isinstance(case_ref, UUID) else queryset.filter(case__number=case_ref)
        )
    return queryset.order_by("-disclosed_at", "-id")
