"""seed_demo may run twice, and shares the first case under consent."""

from __future__ import annotations

from typing import Any

import pytest

from consent.models import Consent

pytestmark = pytest.mark.django_db


def test_seed_demo_runs_twice_and_shares_the_first_case(settings: Any) -> None:
    import json
    from io import StringIO

    from django.core.management import call_command

    settings.DEBUG = True
    first, second = StringIO(), StringIO()
    call_command("seed_demo", "--json", stdout=first)
    call_command("seed_demo", "--json", stdout=second)

    one, two = json.loads(first.getvalue()), json.loads(second.getvalue())
    assert [c["id"] for c in one["cases"]] == [c["id"] for c in two["cases"]]
    assert {u["role"] for u in two["users"]} >= {
        "social_worker",
        "coordinator",
        "police",
        "school",
        "leisure",
        "auditor",
        "admin",
    }
    assert Consent.objects.count() == 1
