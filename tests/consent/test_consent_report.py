"""The coordinators' consent report names consents about to expire and sharing a birthday stopped."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from cases import services as case_services
from cases.models import Agency, Guardian, Track
from cases.querysets import bulk_writes_allowed
from consent.models import Consent
from tests.conftest import YOUTH
from tests.consent.helpers import give, guardian_of
from tests.factories import personal_number_for_age

pytestmark = pytest.mark.django_db


def test_the_coordinators_report_lists_consents_about_to_expire(
    case: Any, alice: Any, carl: Any, client_for: Any
) -> None:
    soon = give(alice, case, guardian=Guardian.objects.get(case=case), days=10)
    give(alice, case, guardian=Guardian.objects.get(case=case), days=100)

    report = client_for(carl).get("/api/v1/consents/report", {"days": 30})

    assert report.status_code == 200
    assert [item["consent"] for item in report.json()["expiring"]] == [str(soon.pk)]
    assert client_for(alice).get("/api/v1/consents/report").status_code == 403


def test_the_report_names_sharing_stopped_by_a_birthday(alice: Any, carl: Any, client_for: Any) -> None:
    # Turned 15 forty days ago; the guardian consented before that, the youth never did.
    turned = case_services.case_open(
        actor=alice,
        track=Track.SSPF,
        youth={**YOUTH, "personal_number": personal_number_for_age(15, serial=654)},
        guardians=[{"name": "Förälder"}],
        district="Centrum",
    )
    case_services.case_member_add(actor=alice, case=turned, username="carl")
    school = Agency.objects.get(kind="school")
    consent = give(alice, turned, guardian=Guardian.objects.get(case=turned), parties=[school])

    with bulk_writes_allowed():  # time travel for the test
        Consent.objects.filter(pk=consent.pk).update(valid_from=timezone.now() - timedelta(days=60))

    report = client_for(carl).get("/api/v1/consents/report", {"days": 60}).json()

    assert [(s["number"], s["agency"], s["age"]) for s in report["stopped_by_age"]] == [(turned.number, "school", 15)]


def test_the_report_command_lists_what_expires(case: Any, alice: Any) -> None:
    import json
    from io import StringIO

    from django.core.management import call_command

    soon = give(alice, case, guardian=guardian_of(case), days=5)
    out = StringIO()

    call_command("consent_report", "--days", "10", stdout=out, stderr=StringIO())

    assert [item["consent"] for item in json.loads(out.getvalue())["expiring"]] == [str(soon.pk)]
