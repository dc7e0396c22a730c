"""The database is the last line of defence for the process rules (issue 14): one pending closure
request per case, decided by someone other than the requester, an outcome exactly on closed
cases; the indexes reminders need exist; and the migration fills the new columns of old rows."""

from __future__ import annotations

import importlib
from datetime import timedelta
from typing import Any

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from cases import services
from cases.models import Case, ClosureRequest, Meeting
from cases.querysets import bulk_writes_allowed
from tests.factories import personal_number_for_age

pytestmark = pytest.mark.django_db

MIGRATION = importlib.import_module("cases.migrations.0009_meetings_visits_closure")


def test_a_case_has_one_pending_closure_request_at_most(case: Any, alice: Any) -> None:
    ClosureRequest.objects.create(case=case, outcome="other", reason="a", requested_by=alice)

    with pytest.raises(IntegrityError), transaction.atomic():
        ClosureRequest.objects.create(case=case, outcome="moved", reason="b", requested_by=alice)


def test_nobody_approves_their_own_closure_request_in_the_database_either(case: Any, alice: Any) -> None:
    request = ClosureRequest.objects.create(case=case, outcome="other", reason="a", requested_by=alice)
    request.status, request.decided_by, request.decided_at = "approved", alice, timezone.now()

    with pytest.raises(IntegrityError), transaction.atomic():
        request.save()


def test_a_decided_request_names_who_decided(case: Any, alice: Any) -> None:
    request = ClosureRequest.objects.create(case=case, outcome="other", reason="a", requested_by=alice)
    request.status = "rejected"

    with pytest.raises(IntegrityError), transaction.atomic():
        request.save()


@pytest.mark.parametrize(("status", "closed", "outcome"), [("closed", True, ""), ("open", False, "moved")])
def test_an_outcome_goes_with_a_closed_case_only(case: Any, status: str, closed: bool, outcome: str) -> None:
    with pytest.raises(IntegrityError), transaction.atomic(), bulk_writes_allowed():
        Case.objects.filter(pk=case.pk).update(
            status=status, closed_at=timezone.now() if closed else None, outcome=outcome
        )


@pytest.mark.parametrize(
    ("table", "index", "columns"),
    [
        ("cases_actionitem", "action_open_due_idx", ["responsible_user_id", "due_at"]),
        ("cases_homevisit", "visit_follow_up_idx", ["follow_up_at"]),
    ],
)
def test_the_indexes_reminders_read_through_exist(table: str, index: str, columns: list[str]) -> None:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)

    assert constraints[index]["index"] is True
    assert constraints[index]["columns"] == columns


def test_the_migration_gives_closed_cases_the_outcome_other_and_leaves_open_ones(
    case: Any, alice: Any, carl: Any
) -> None:
    still_open = services.case_open(
        actor=alice,
        track="sspf",
        youth={"personal_number": personal_number_for_age(13, serial=303), "given_name": "A", "family_name": "B"},
        district="Norr",
    )
    services.case_close(actor=carl, case=case, reason="Klart", outcome="moved")

    with bulk_writes_allowed():  # the migration's historical models have plain managers
        MIGRATION.closed_cases_outcome_other(apps, None)

    assert Case.objects.get(pk=case.pk).outcome == "other"
    assert Case.objects.get(pk=still_open.pk).outcome == ""


def test_the_migration_makes_each_cases_first_meeting_its_initial_one(case: Any, carl: Any) -> None:
    later = services.meeting_record(actor=carl, case=case, held_at=timezone.now(), kind="follow_up")
    earlier = services.meeting_record(
        actor=carl, case=case, held_at=timezone.now() - timedelta(days=30), kind="follow_up"
    )

    with bulk_writes_allowed():
        MIGRATION.first_meetings_initial(apps, None)

    kinds = dict(Meeting.objects.values_list("pk", "kind"))
    assert (kinds[earlier.pk], kinds[later.pk]) == ("initial", "follow_up")
