"""A database that cannot be reached gives 503 with a clear body and Retry-After, never a 500.

The request's connection is pointed at a database that is not there (a closed port on
PostgreSQL, a file in a missing directory on SQLite): the real driver raises its real error.
The restart under load is ``make drill-db-faults`` (scripts/drills/db_faults.py).
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.db import OperationalError, connections
from django.test import Client, RequestFactory
from rest_framework.test import APIClient

from cases.errors import MSG_SERVER_ERROR
from cases.models import Case
from config import urls
from config.db_unavailable import MSG_DATABASE_UNAVAILABLE, RETRY_AFTER_SECONDS
from tests.conftest import case_url

pytestmark = pytest.mark.django_db

UNAVAILABLE = {"detail": str(MSG_DATABASE_UNAVAILABLE), "code": "database_unavailable"}


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def database_unreachable(tmp_path: Path) -> Iterator[None]:
    """For the duration, this thread's default connection leads nowhere; then the test's own
    connection (and its transaction) comes back untouched."""
    original = connections["default"]
    settings_dict = dict(original.settings_dict)
    if original.vendor == "postgresql":
        settings_dict.update(HOST="127.0.0.1", PORT=str(_closed_port()), OPTIONS={"connect_timeout": 2})
    else:
        settings_dict["NAME"] = str(tmp_path / "missing" / "db.sqlite3")
    connections["default"] = type(original)(settings_dict, alias="default")
    try:
        yield
    finally:
        connections["default"].close()
        connections["default"] = original


def assert_unavailable(response: Any) -> None:
    assert response.status_code == 503
    assert response.json() == UNAVAILABLE
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response["Cache-Control"] == "no-store"


def test_an_api_read_gets_503_when_the_database_is_down(
    client_for: Callable[[Any], APIClient], alice: Any, case: Case, tmp_path: Path
) -> None:
    client = client_for(alice)
    with database_unreachable(tmp_path):
        response = client.get(case_url(case))

    assert_unavailable(response)
    assert client.get(case_url(case)).status_code == 200  # and back as soon as it is


def test_a_write_gets_503_and_saves_nothing(
    client_for: Callable[[Any], APIClient], alice: Any, case: Case, tmp_path: Path
) -> None:
    client = client_for(alice)
    with database_unreachable(tmp_path):
        response = client.patch(case_url(case), {"district": "Norr"}, format="json", HTTP_IF_MATCH='"1"')

    assert_unavailable(response)
    case.refresh_from_db()
    assert case.district != "Norr"


def test_an_admin_page_gets_the_same_503(tmp_path: Path) -> None:
    # The session is read in a middleware (the audit's session actor), outside any view: this is
    # the 500 handler's path. Django's test client would re-raise the error; a server does not.
    client = Client(raise_request_exception=False)
    client.cookies["sessionid"] = "a-session-that-must-be-looked-up"
    with database_unreachable(tmp_path):
        response = client.get("/admin/")

    assert_unavailable(response)


def test_the_500_handler_answers_503_for_an_error_outside_a_view(tmp_path: Path) -> None:
    request = RequestFactory().get("/api/v1/cases/")
    with database_unreachable(tmp_path):
        try:
            connections["default"].ensure_connection()
        except OperationalError:
            response = urls.handler500(request)

    assert response.status_code == 503
    assert json.loads(response.content) == UNAVAILABLE
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)


def test_other_errors_stay_500_without_retry_after() -> None:
    request = RequestFactory().get("/api/v1/cases/")
    try:
        raise ValueError("a bug")
    except ValueError:
        response = urls.handler500(request)

    assert response.status_code == 500
    assert json.loads(response.content) == {"detail": str(MSG_SERVER_ERROR), "code": "server_error"}
    assert not response.has_header("Retry-After")
