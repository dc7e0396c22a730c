"""Completeness: every content endpoint leaves one entry per access, with actor, event and case;
denied attempts, logins and changes are logged too, and no entry holds a personal value."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.serializers.json import DjangoJSONEncoder
from django.forms.models import model_to_dict

from audit.models import AuditEntry
from cases.models import Guardian
from tests.conftest import YOUTH, case_url
from tests.consent.helpers import give
from tests.contract import ConformingClient

pytestmark = pytest.mark.django_db

CONTENT_ENDPOINTS = ["", "visits/", "meetings/", "notes/", "police-links/", "consents/", "disclosures/"]


def entries_after(mark: int, **filters: Any) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(pk__gt=mark, **filters).order_by("pk"))


def last_id() -> int:
    return AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


@pytest.mark.parametrize("suffix", CONTENT_ENDPOINTS)
def test_each_content_read_leaves_one_access_entry(case: Any, alice: Any, client_for: Any, suffix: str) -> None:
    client = client_for(alice)
    mark = last_id()

    response = client.get(case_url(case, suffix), HTTP_X_CORRELATION_ID="review-12345678")

    assert response.status_code == 200
    [entry] = entries_after(mark, event="access")
    assert (entry.actor, entry.actor_username, entry.case_ref, entry.case_number) == (
        alice,
        "alice",
        case.pk,
        case.number,
    )
    assert entry.cid == "review-12345678"
    assert response["X-Correlation-ID"] == "review-12345678"


def test_a_list_leaves_one_entry_per_case_shown(case: Any, alice: Any, client_for: Any) -> None:
    mark = last_id()

    client_for(alice).get("/api/v1/cases/")

    [entry] = entries_after(mark, event="access")
    assert entry.case_number == case.number
    assert entry.fields_shown == ["identity"]


def test_another_agency_reading_under_consent_is_logged_with_what_it_saw(
    case: Any, alice: Any, petra: Any, client_for: Any
) -> None:
    give(alice, case, guardian=Guardian.objects.get(case=case), agencies=["police"], categories=["identity"])
    mark = last_id()

    client_for(petra).get(case_url(case))

    [entry] = entries_after(mark, event="access")
    assert (entry.actor_username, entry.fields_shown) == ("petra", ["identity"])


@pytest.mark.parametrize(("who", "code"), [("olle", "not_found"), ("sara", "consent_required")])
def test_denied_attempts_are_logged(
    case: Any, who: str, code: str, request: pytest.FixtureRequest, client_for: Any
) -> None:
    client = client_for(request.getfixturevalue(who))
    mark = last_id()

    response = client.get(case_url(case))

    assert response.status_code in (403, 404)
    [entry] = entries_after(mark)
    assert (entry.event, entry.actor_username, entry.case_number) == ("denied", who, case.number)
    assert entry.additional_data["code"] == code


def test_changes_are_logged_with_field_names_only(case: Any, alice: Any, client_for: Any) -> None:
    mark = last_id()

    client_for(alice).patch(case_url(case), {"summary": "Ny hemlig sammanfattning"}, HTTP_IF_MATCH='"1"')

    [entry] = entries_after(mark, event="update")
    assert entry.actor == alice  # set under bearer-token authentication
    assert entry.changed_fields == ["summary", "version"]
    assert entry.changes is None
    assert "hemlig" not in json.dumps(model_to_dict(entry), cls=DjangoJSONEncoder)


def test_logins_failures_and_logouts_are_logged(alice: Any, client_for: Any) -> None:

    mark = last_id()
    ConformingClient().post("/api/v1/auth/login", {"username": "alice", "password": "wrong one!", "otp": "123456"})
    client_for(alice).post("/api/v1/auth/logout")

    events = [(e.event, e.actor_username) for e in entries_after(mark)]
    assert events == [("login_failed", "alice"), ("logout", "alice")]
    assert "wrong one!" not in json.dumps([model_to_dict(e) for e in entries_after(mark)], cls=DjangoJSONEncoder)


def test_no_entry_holds_a_personal_value(case: Any, alice: Any, petra: Any, client_for: Any) -> None:
    client = client_for(alice)
    client.post(case_url(case, "notes/"), {"text": "Mycket känslig anteckning"})
    client.patch(case_url(case), {"summary": "Känslig sammanfattning"}, HTTP_IF_MATCH='"1"')
    client.post(case_url(case, "guardians/"), {"name": "Hemlig Vårdnadshavare", "phone": "070-999 99 99"})
    client.get(case_url(case))

    everything = json.dumps([model_to_dict(e) for e in AuditEntry.objects.all()], cls=DjangoJSONEncoder)

    for value in [
        *YOUTH.values(),
        case.youth.personal_number,
        "känslig",
        "Känslig",
        "Hemlig Vårdnadshavare",
        "070-999",
    ]:
        assert value not in everything, value
    assert get_user_model().objects.filter(username="alice").exists()
