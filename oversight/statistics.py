"""Yearly results statistics (the municipality and police's follow-up of their joint commitments:
visits, meetings, cases). Counts only; small cells are suppressed, and so is whatever would let a
reader subtract their way back to one (docs/statistics.md).

Suppression: every count below SMALL (5) is shown as "<5" (primary); figures hidden only to
protect those are shown as "x" (secondary); then, in every table row and
column *including its total*, a group that holds exactly one suppressed figure gets a second one
suppressed (the smallest remaining figure), repeated until no group has exactly one. A total is
a figure of its groups like any other, so "total minus the shown parts" never isolates a cell.
"""

from __future__ import annotations

import statistics as pystats
from collections import defaultdict
from datetime import date, datetime, time
from fractions import Fraction
from typing import Any

from django.db.models import Count, Min
from django.utils import timezone

from cases.models import Case, HomeVisit, Meeting, Track
from consent.models import Consent, ConsentEvidence, ConsentWithdrawal

SMALL = 5
SUPPRESSED = "<5"
PROTECTING = "x"  # hidden (whatever its size) so that no "<5" can be worked out
TOTAL = "total"


def suppress_table(cells: dict[tuple[str, str], int], rows: list[str], cols: list[str]) -> dict[tuple[str, str], Any]:
    """Suppress a 2-D table with margins. ``cells`` holds (row, col) counts; the result adds
    (row, TOTAL), (TOTAL, col) and (TOTAL, TOTAL) and replaces suppressed figures by "<5"."""
    full: dict[tuple[str, str], int] = {}
    for r in rows:
        for c in cols:
            full[(r, c)] = cells.get((r, c), 0)
        full[(r, TOTAL)] = sum(full[(r, c)] for c in cols)
    for c in [*cols, TOTAL]:
        full[(TOTAL, c)] = sum(full[(r, c)] for r in rows)
    hidden = {key for key, value in full.items() if 0 < value < SMALL}
    groups = [[(r, c) for c in [*cols, TOTAL]] for r in [*rows, TOTAL]] + [
        [(r, c) for r in [*rows, TOTAL]] for c in [*cols, TOTAL]
    ]
    changed = True
    while changed:
        changed = False
        for group in groups:
            if sum(1 for key in group if key in hidden) == 1:
                candidates = [key for key in group if key not in hidden]
                if candidates:
                    hidden.add(min(candidates, key=lambda k: (full[k], k)))
                    changed = True
        # Patterns the group rule misses (sums across several rows and columns): hide more
        # until no suppressed figure follows from the shown ones by any linear combination.
        determined = next((key for key in sorted(hidden) if is_determined(key, hidden, rows, cols)), None)
        if determined is not None:
            neighbours = [key for group in groups if determined in group for key in group if key not in hidden]
            if neighbours:
                hidden.add(min(neighbours, key=lambda k: (full[k], k)))
                changed = True
    return {
        key: (SUPPRESSED if 0 < value < SMALL else PROTECTING) if key in hidden else value
        for key, value in full.items()
    }


def _equations(rows: list[str], cols: list[str]) -> list[dict[tuple[str, str], int]]:
    """Every published row and column adds up to its total: parts +1, total -1, sum 0."""
    equations = []
    for r in [*rows, TOTAL]:
        equation = {(r, c): 1 for c in cols}
        equation[(r, TOTAL)] = -1
        equations.append(equation)
    for c in [*cols, TOTAL]:
        equation = {(r, c): 1 for r in rows}
        equation[(TOTAL, c)] = -1
        equations.append(equation)
    return equations


def _rank(matrix: list[list[Fraction]]) -> int:
    rows = [row[:] for row in matrix]
    rank, width = 0, len(rows[0]) if rows else 0
    for col in range(width):
        pivot = next((i for i in range(rank, len(rows)) if rows[i][col] != 0), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        for i in range(len(rows)):
            if i != rank and rows[i][col] != 0:
                factor = rows[i][col] / rows[rank][col]
                rows[i] = [a - factor * b for a, b in zip(rows[i], rows[rank], strict=True)]
        rank += 1
    return rank


def is_determined(target: tuple[str, str], hidden: set[tuple[str, str]], rows: list[str], cols: list[str]) -> bool:
    """Whether the published figures fix ``target``: its unit vector lies in the row space of the
    equations restricted to the suppressed figures (shown figures are constants)."""
    variables = sorted(hidden)
    matrix = [[Fraction(eq.get(v, 0)) for v in variables] for eq in _equations(rows, cols)]
    matrix = [row for row in matrix if any(row)]
    unit = [Fraction(1 if v == target else 0) for v in variables]
    if not matrix:
        return False
    return _rank(matrix) == _rank([*matrix, unit])


def suppressed_table(values: dict[tuple[str, str], int], rows: list[str], cols: list[str]) -> dict[str, Any]:
    table = suppress_table(values, rows, cols)
    return {r: {c: table[(r, c)] for c in [*cols, TOTAL]} for r in [*rows, TOTAL]}


def single_count(value: int) -> Any:
    return SUPPRESSED if 0 < value < SMALL else value


def summary(*, year: int, district: str | None = None) -> dict[str, Any]:
    """Counts for one calendar year (local time), everywhere or in one ``district``. No personal
    data, no case numbers. The results report adds to it (``oversight.results.report``)."""

    tz = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(date(year, 1, 1), time.min), tz)
    end = timezone.make_aware(datetime.combine(date(year + 1, 1, 1), time.min), tz)
    tracks = [t.value for t in Track]

    def scoped(queryset: Any, path: str) -> Any:
        return queryset if district is None else queryset.filter(**{path: district})

    def by_track_district(field: str) -> dict[str, Any]:
        cases = Case.objects.filter(**{f"{field}__gte": start, f"{field}__lt": end})
        rows = (
            (cases if district is None else cases.filter(district=district))
            .values("track", "district")
            .annotate(n=Count("id"))
        )
        values: dict[tuple[str, str], int] = defaultdict(int)
        for row in rows:
            values[(row["track"], row["district"])] += row["n"]
        districts = sorted({d for _t, d in values})
        return suppressed_table(values, tracks, districts)

    firsts = scoped(Case.objects.filter(opened_at__gte=start, opened_at__lt=end), "district").annotate(
        first_meeting=Min("meetings__held_at"), first_visit=Min("visits__occurred_at")
    )
    waits = []
    for case in firsts.values("opened_at", "first_meeting", "first_visit"):
        first = min((d for d in (case["first_meeting"], case["first_visit"]) if d is not None), default=None)
        if first is not None:
            waits.append(max((first - case["opened_at"]).days, 0))
    return {
        "year": year,
        "cases_opened": by_track_district("opened_at"),
        "cases_closed": by_track_district("closed_at"),
        "home_visits": single_count(
            scoped(HomeVisit.objects.filter(occurred_at__gte=start, occurred_at__lt=end), "case__district").count()
        ),
        "sspf_meetings": single_count(
            scoped(Meeting.objects.filter(held_at__gte=start, held_at__lt=end), "case__district").count()
        ),
        "consents_given": single_count(
            scoped(Consent.objects.filter(recorded_at__gte=start, recorded_at__lt=end), "case__district").count()
        ),
        "consents_withdrawn": single_count(
            scoped(
                ConsentWithdrawal.objects.filter(withdrawn_at__gte=start, withdrawn_at__lt=end),
                "consent__case__district",
            ).count()
        ),
        # Written consents whose signed form was verified in the year (four eyes; consent.evidence).
        "consent_forms_verified": single_count(
            scoped(
                ConsentEvidence.objects.filter(verified_at__gte=start, verified_at__lt=end), "case__district"
            ).count()
        ),
        # A median over fewer than SMALL cases would describe individuals: suppressed too.
        "median_days_to_first_meeting_or_visit": pystats.median(waits)
        if len(waits) >= SMALL
        else SUPPRESSED
        if waits
        else None,
    }
