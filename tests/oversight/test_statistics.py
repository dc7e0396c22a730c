"""Statistics suppress small cells, including through differences between totals and parts."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from oversight.statistics import PROTECTING, SMALL, SUPPRESSED, TOTAL, is_determined, suppress_table
from tests.conftest import open_cases


def hidden_keys(table: dict[tuple[str, str], Any]) -> set[tuple[str, str]]:
    return {key for key, value in table.items() if value in (SUPPRESSED, PROTECTING)}


tables = st.integers(min_value=1, max_value=3).flatmap(
    lambda r: st.integers(min_value=1, max_value=5).flatmap(
        lambda c: st.tuples(
            st.just(r),
            st.just(c),
            st.lists(st.integers(min_value=0, max_value=30), min_size=r * c, max_size=r * c),
        )
    )
)


@settings(max_examples=150, deadline=None)
@given(tables)
def test_no_suppressed_figure_can_be_worked_out_from_the_published_ones(shape: tuple[int, int, list[int]]) -> None:
    n_rows, n_cols, values = shape
    rows = [f"r{i}" for i in range(n_rows)]
    cols = [f"c{j}" for j in range(n_cols)]
    cells = {(r, c): values[i * n_cols + j] for (i, r), (j, c) in itertools.product(enumerate(rows), enumerate(cols))}

    table = suppress_table(cells, rows, cols)

    hidden = hidden_keys(table)
    for key, value in table.items():
        if isinstance(value, int):
            assert value == 0 or value >= SMALL, (key, value)  # nothing small is shown
    for key in hidden:
        assert not is_determined(key, hidden, rows, cols), key  # no subtraction reveals it
    for group_is_row in (True, False):
        for line in [*(rows if group_is_row else cols), TOTAL]:
            group = [(line, c) for c in [*cols, TOTAL]] if group_is_row else [(r, line) for r in [*rows, TOTAL]]
            assert sum(1 for key in group if key in hidden) != 1


def test_a_pattern_that_rows_and_columns_alone_leave_open_is_closed_too() -> None:
    """Found by search: after the row-and-column rule every row and column holds zero or at
    least two suppressed figures, yet one of them still follows from a sum over several rows
    and columns; the rank check hides one more."""
    rows, cols = ["r0", "r1", "r2"], ["c0", "c1", "c2"]
    values = [[2, 0, 0], [0, 1, 20], [20, 1, 0]]
    cells = {(r, c): values[i][j] for i, r in enumerate(rows) for j, c in enumerate(cols)}

    table = suppress_table(cells, rows, cols)

    hidden = hidden_keys(table)
    assert not [key for key in hidden if is_determined(key, hidden, rows, cols)]


def test_a_lone_small_cell_takes_a_partner_with_it() -> None:
    table = suppress_table({("sspf", "A"): 3, ("sspf", "B"): 40}, ["sspf"], ["A", "B"])

    assert table[("sspf", "A")] == SUPPRESSED
    assert table[("sspf", "B")] == PROTECTING or table[("sspf", TOTAL)] == PROTECTING


@pytest.mark.django_db
def test_the_summary_counts_and_suppresses(alice: Any, carl: Any, client_for: Any, audrey: Any) -> None:
    open_cases(alice, 6, district="Centrum")
    open_cases(alice, 2, district="Mariefred")
    year = timezone.now().year

    body = client_for(audrey).get("/api/v1/stats/summary", {"year": year}).json()

    opened = body["cases_opened"]
    assert opened["sspf"]["Mariefred"] == SUPPRESSED
    # Centrum's 6 and the total 8 cannot both show, or 8 - 6 = 2 would.
    assert [opened["sspf"]["Centrum"], opened["sspf"][TOTAL]].count(PROTECTING) >= 1
    assert opened["linkoping"][TOTAL] == 0
    assert body["home_visits"] == 0
    assert client_for(carl).get("/api/v1/stats/summary", {"year": year}).status_code == 200
    assert client_for(alice).get("/api/v1/stats/summary", {"year": year}).status_code == 403
    assert client_for(audrey).get("/api/v1/stats/summary", {"year": "soon"}).status_code == 400
    assert "Exempelsson" not in str(body)


@pytest.mark.django_db
def test_the_command_prints_the_same(alice: Any) -> None:
    import json
    from io import StringIO

    from django.core.management import call_command

    open_cases(alice, 5)
    out = StringIO()

    call_command("stats", "--year", str(timezone.now().year), stdout=out)

    assert json.loads(out.getvalue())["cases_opened"]["sspf"]["Centrum"] == 5


def _this_year() -> int:
    return timezone.localdate().year


@pytest.mark.django_db
def test_small_single_counts_are_suppressed_and_five_is_shown(
    case: Any, linkoping_case: Any, alice: Any, carl: Any, audrey: Any, client_for: Any
) -> None:
    from cases import services
    from consent.services import consent_withdraw
    from tests.consent.helpers import give, guardian_of

    for _ in range(4):
        services.visit_record(
            actor=alice,
            case=linkoping_case,  # home visits are Linköpingsmodellen's
            occurred_at=timezone.now(),
            participants=["alice", "petra"],
            present=["youth"],
            basis="Oro",
            notes="",
            outcome="-",
            informed_voluntary=True,
        )
    for _ in range(5):
        services.meeting_record(actor=carl, case=case, held_at=timezone.now())
    consent_withdraw(actor=alice, consent=give(alice, case, guardian=guardian_of(case)), reason="Ångrade sig")

    body = client_for(audrey).get("/api/v1/stats/summary", {"year": _this_year()}).json()

    assert body["home_visits"] == SUPPRESSED
    assert body["sspf_meetings"] == 5
    assert body["consents_given"] == SUPPRESSED
    assert body["consents_withdrawn"] == SUPPRESSED


@pytest.mark.django_db
def test_the_median_wait_is_shown_only_over_five_cases_or_more(
    case: Any, alice: Any, audrey: Any, client_for: Any
) -> None:
    from cases import services

    client = client_for(audrey)
    services.meeting_record(actor=alice, case=case, held_at=timezone.now())

    one = client.get("/api/v1/stats/summary", {"year": _this_year()}).json()

    for other in open_cases(alice, 4):
        services.meeting_record(actor=alice, case=other, held_at=timezone.now())
    five = client.get("/api/v1/stats/summary", {"year": _this_year()}).json()

    assert one["median_days_to_first_meeting_or_visit"] == SUPPRESSED
    assert five["median_days_to_first_meeting_or_visit"] == 0
