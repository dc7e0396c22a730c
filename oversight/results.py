"""The results report (resultatredovisning): what the municipality's yearly follow-up of SSPF and
Linköpingsmodellen counts, on top of ``oversight.statistics.summary``: referrals by source and
decision, cases by outcome, screenings offered and accepted, meetings by kind, action items done
and overdue, unique youths; for the whole municipality or one district. Small counts are
suppressed as everywhere (docs/statistics.md). A finished year is frozen when a coordinator signs
it off (``year_freeze``): its figures are then read from the frozen copy, so a later purge cannot
change a published year.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.models import AuditEntry, AuditEvent
from audit.services import record
from cases import routing
from cases.errors import Conflict
from cases.models import ActionItem, Case, CaseOutcome, HomeVisit, Meeting, MeetingKind, Role
from cases.permissions import require_role
from oversight.models import FrozenYear
from oversight.statistics import TOTAL, single_count, summary, suppressed_table
from referrals.models import Referral, ReferralStatus

MSG_YEAR_NOT_OVER = _("Only a finished year can be frozen.")
MSG_STATS_ROLES = _("Only coordinators and auditors read the statistics.")
MSG_FREEZE_ROLES = _("Only coordinators sign off a year's figures.")
MSG_FROZEN = _("This year's figures are already frozen.")

SOURCES = ["school", "police", "leisure", "social_services"]


def _bounds(year: int) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(date(year, 1, 1), time.min), tz)
    end = timezone.make_aware(datetime.combine(date(year + 1, 1, 1), time.min), tz)
    return start, end


def _in_district(queryset: QuerySet[Any], path: str, district: str | None) -> QuerySet[Any]:
    return queryset if district is None else queryset.filter(**{path: district})


def results(*, year: int, district: str | None = None) -> dict[str, Any]:
    """The results report's counts for ``year`` (local time), for ``district`` or everywhere."""
    start, end = _bounds(year)
    referrals = _in_district(
        Referral.objects.filter(received_at__gte=start, received_at__lt=end), "case__district", district
    )
    by_source: dict[tuple[str, str], int] = defaultdict(int)
    for row in referrals.values("reporter_agency__kind", "status").annotate(n=Count("id")):
        by_source[(row["reporter_agency__kind"], row["status"])] += row["n"]
    decisions = [s.value for s in ReferralStatus]
    closed = _in_district(Case.objects.filter(closed_at__gte=start, closed_at__lt=end), "district", district)
    outcomes = dict(closed.values_list("outcome").annotate(n=Count("id")).values_list("outcome", "n"))
    visits = _in_district(
        HomeVisit.objects.filter(occurred_at__gte=start, occurred_at__lt=end), "case__district", district
    )
    screening = visits.aggregate(
        offered=Count("id", filter=Q(screening_offered=True)), accepted=Count("id", filter=Q(screening_accepted=True))
    )
    meetings = _in_district(Meeting.objects.filter(held_at__gte=start, held_at__lt=end), "case__district", district)
    kinds = dict(meetings.values_list("kind").annotate(n=Count("id")).values_list("kind", "n"))
    items = _in_district(ActionItem.objects.all(), "case__district", district)
    first_day, next_year = start.date(), end.date()
    done = items.filter(done_at__gte=first_day, done_at__lt=next_year).count()
    # Due in the year, the day passed, and not done by it (late or not at all).
    overdue = (
        items.filter(due_at__gte=first_day, due_at__lt=min(next_year, timezone.localdate()))
        .filter(Q(done_at__isnull=True) | Q(done_at__gt=F("due_at")))
        .count()
    )
    return {
        "referrals_by_source_and_decision": suppressed_table(by_source, SOURCES, decisions),
        "cases_by_outcome": {outcome.value: single_count(outcomes.get(outcome.value, 0)) for outcome in CaseOutcome},
        "visits_screening_offered": single_count(screening["offered"]),
        "visits_screening_accepted": single_count(screening["accepted"]),
        "meetings_by_kind": {kind.value: single_count(kinds.get(kind.value, 0)) for kind in MeetingKind},
        "action_items_done": single_count(done),
        "action_items_overdue": single_count(overdue),
        "unique_youths": single_count(unique_youths(start=start, end=end, district=district)),
    }


def unique_youths(*, start: datetime, end: datetime, district: str | None) -> int:
    """Different people with a case open at some time in the period: the personal numbers of
    those cases, decrypted and compared (one youth record per case: a person with two cases
    counts once). Nothing of it leaves this function but the count."""
    active = Case.objects.filter(opened_at__lt=end).filter(Q(closed_at__isnull=True) | Q(closed_at__gte=start))
    cases = _in_district(active, "district", district).select_related("key", "youth")
    return len({case.youth.personal_number for case in cases.iterator(chunk_size=500)})


def frozen(year: int) -> FrozenYear | None:
    return FrozenYear.objects.filter(year=year).select_related("frozen_by").first()


@transaction.atomic
def year_freeze(*, actor: User, year: int, figures: dict[str, Any]) -> FrozenYear:
    """Freeze a finished year's figures (the caller computed them, for everywhere and each
    district). Coordinators only (the API checks); once per year (409)."""
    if year >= timezone.localdate().year:
        raise ValidationError({"year": [MSG_YEAR_NOT_OVER]})
    if FrozenYear.objects.select_for_update().filter(year=year).exists():
        raise Conflict(MSG_FROZEN, code="already_frozen")
    return FrozenYear.objects.create(year=year, figures=figures, frozen_by=actor)


def report(*, year: int, district: str | None = None) -> dict[str, Any]:
    """The whole yearly summary: ``statistics.summary`` and the results report's figures; from
    the frozen copy once the year is signed off."""
    kept = frozen(year)
    if kept is not None:
        figures = kept.figures["all"] if district is None else kept.figures["districts"].get(district)
        if figures is None:  # a district with nothing in that year: every count 0
            figures = _nothing(kept.figures["all"], district=district)
        return {**figures, "frozen": {"at": kept.frozen_at.isoformat(), "by": kept.frozen_by.get_username()}}
    return {**summary(year=year, district=district), **results(year=year, district=district), "district": district}


# The tables whose columns are districts (and their total); a district's own has the total alone.
BY_DISTRICT = ("cases_opened", "cases_closed")


def _nothing(everywhere: dict[str, Any], *, district: str | None) -> dict[str, Any]:
    """The figures of a district that had nothing in a frozen year: the same fields as the year's
    own, every count 0, no median (the live report's shape for such a district; issue 18: the
    answer was the year and the district alone, which the schema does not describe)."""

    def zero(value: Any) -> Any:
        return {key: zero(item) for key, item in value.items()} if isinstance(value, dict) else 0

    figures = {key: zero(value) for key, value in everywhere.items()}
    for table in BY_DISTRICT:
        if table in figures:
            figures[table] = {row: {TOTAL: 0} for row in figures[table]}
    return {
        **figures,
        "year": everywhere["year"],
        "district": district,
        "median_days_to_first_meeting_or_visit": None,
    }


def figures_to_freeze(*, year: int) -> dict[str, Any]:
    """Everything a frozen year keeps: the figures everywhere and in each district of the year."""
    start, end = _bounds(year)
    districts = sorted(
        set(
            Case.objects.filter(opened_at__lt=end)
            .filter(Q(closed_at__isnull=True) | Q(closed_at__gte=start))
            .values_list("district", flat=True)
        )
    )
    return {
        "all": {**summary(year=year), **results(year=year), "district": None},
        "districts": {
            d: {**summary(year=year, district=d), **results(year=year, district=d), "district": d} for d in districts
        },
    }


def report_for_reader(*, reader: User, year: int, district: str | None = None) -> dict[str, Any]:
    """The yearly report for a coordinator or an auditor (403 for everyone else); reading it is an
    ``export`` entry naming the year. The API and the web UI both answer with this. Counted on the
    replica when one is configured (``cases.routing``)."""
    require_role(reader, {Role.COORDINATOR, Role.AUDITOR}, MSG_STATS_ROLES)
    record(event=AuditEvent.EXPORT, model=AuditEntry, object_pk="", extra={"statistics": year})
    with routing.replica_reads():  # counts over whole years: the replica's, when there is one
        return report(year=year, district=district)


def year_freeze_by(*, actor: User, year: int) -> FrozenYear:
    """A coordinator signs off a finished year: its figures, everywhere and per district, are kept
    as they are now (403 for anyone but a coordinator; 409 once frozen)."""
    require_role(actor, {Role.COORDINATOR}, MSG_FREEZE_ROLES)
    return year_freeze(actor=actor, year=year, figures=figures_to_freeze(year=year))
