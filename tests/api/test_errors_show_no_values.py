from __future__ import annotations

import logging
from typing import Any

import pytest
from django.db import connection

from cases.errors import MSG_SERVER_ERROR
from tests.conftest import case_url

pytestmark = pytest.mark.django_db


def test_an_undecryptable_value_is_a_logged_500_never_an_empty_field(
    case: Any, alice: Any, client_for: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with connection.cursor() as cursor:
        cursor.execute("UPDATE cases_youth SET given_name = family_name")
    client = client_for(alice)
    client.raise_request_exception = False

    with caplog.at_level(logging.ERROR, logger="cases.crypto"):
        response = client.get(case_url(case))

    assert response.status_code == 500
    assert response.json() == {"detail": str(MSG_SERVER_ERROR), "code": "server_error"}
    assert "Traceback" not in response.content.decode()
    assert any("Youth.given_name of row" in record.getMessage() for record in caplog.records)
    assert "Exempelsson" not in caplog.text


@pytest.mark.parametrize(
    "path,body",
    [
        ("", {"custody": "Maria 19800101-1234"}),  # PATCH of the case
        ("meetings/", {"held_at": "2026-11-01T10:00:00+01:00", "kind": "Maria 19800101-1234"}),
        ("close/", {"reason": "r", "outcome": "Maria 19800101-1234"}),
    ],
)
def test_a_bad_choice_is_named_without_repeating_what_was_sent(
    case: Any, alice: Any, carl: Any, client_for: Any, path: str, body: dict[str, Any]
) -> None:
    client = client_for(carl if path == "close/" else alice)
    if path:
        response = client.post(f"/api/v1/cases/{case.pk}/{path}", body, format="json")
    else:
        response = client.patch(f"/api/v1/cases/{case.pk}/", body, format="json", HTTP_IF_MATCH='"1"')

    assert response.status_code == 400
    assert "19800101" not in response.content.decode()
    assert set(body) - {"held_at", "reason"} <= set(response.json())
