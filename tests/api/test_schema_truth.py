"""The OpenAPI schema tells the truth (issue 18). Every API answer the suite sees is checked
against it (tests/contract.py, through ``client_for``); these tests prove that checker bites and
that the shared error schema knows every code the service can send."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from drf_spectacular.generators import SchemaGenerator

from api.schema import ERROR_CODES, EXAMPLES
from tests.conftest import case_url
from tests.contract import conforms

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
CASE = "/api/v1/cases/{case_id}/"


def _fails(*args: Any) -> bool:
    try:
        conforms(*args)
    except Exception:  # schemathesis' FailureGroup
        return True
    return False


def test_the_checker_refuses_an_answer_the_schema_does_not_describe() -> None:
    url = "/api/v1/cases/00000000-0000-0000-0000-000000000000/"
    json_headers = {"Content-Type": "application/json"}
    error = json.dumps({"detail": "Ärendet hittades inte.", "code": "not_found"}).encode()
    assert not _fails(CASE, "GET", url, 404, json_headers, error)

    assert _fails(CASE, "GET", url, 404, json_headers, json.dumps({"detail": "x", "code": "nonsense"}).encode())
    assert _fails(CASE, "GET", url, 404, json_headers, b"[]")  # not an error body
    assert _fails(CASE, "GET", url, 418, json_headers, error)  # a status the operation never answers
    assert _fails(CASE, "GET", url, 200, json_headers, b"{}")  # a case without its fields
    assert _fails(CASE, "GET", url, 404, {"Content-Type": "text/html"}, b"<p>404</p>")


def test_a_real_answer_passes_and_a_doctored_one_does_not(client_for: Any, alice: Any, case: Any) -> None:
    response = client_for(alice).get(case_url(case))  # checked on the way (ConformingClient)
    body = response.json()
    headers = dict(response.items())
    assert not _fails(CASE, "GET", case_url(case), 200, headers, response.content)

    body["status"] = "maybe"
    assert _fails(CASE, "GET", case_url(case), 200, headers, json.dumps(body).encode())


def test_every_error_code_the_service_sends_is_in_the_schema() -> None:
    sent: set[str] = set()
    conflicts = r'Conflict\([^)]*code="([a-z_]+)"'  # a service's 409, anywhere
    bodies = [  # the bodies the HTTP layers write themselves
        r'"code":\s*"([a-z_]+)"',
        r'_body\([^)]*,\s*"([a-z_]+)"\)',
        r'json_error_view\(\d+,\s*\w+,\s*"([a-z_]+)"\)',
        r'^CODE = "([a-z_]+)"',
    ]
    for folder in ("api", "cases", "consent", "content", "oversight", "referrals", "accounts", "audit", "config"):
        for path in (ROOT / folder).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            text = path.read_text(encoding="utf-8")
            sent |= set(re.findall(conflicts, text))
            if folder in ("api", "config"):
                for pattern in bodies:
                    sent |= set(re.findall(pattern, text, flags=re.MULTILINE))
    assert len(sent) > 25  # the search finds the codes at all
    assert sent <= set(ERROR_CODES), sorted(sent - set(ERROR_CODES))


# Operations whose success is not a JSON body: a file, CSV, HTML or nothing (204).
NO_JSON_EXAMPLE = {
    "GET /api/v1/audit/entries.csv",
    "GET /api/v1/consents/{consent_id}/evidence/",
    "POST /api/v1/auth/logout",
    "POST /api/v1/auth/enrol/confirm",
    "DELETE /api/v1/cases/{case_id}/members/{username}/",
}


def test_every_operation_has_an_example_that_matches_the_schema() -> None:
    examples = json.loads(EXAMPLES.read_text(encoding="utf-8"))
    document = SchemaGenerator().get_schema(request=None, public=True)
    operations = {
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    }
    assert operations - NO_JSON_EXAMPLE <= set(examples), sorted(operations - NO_JSON_EXAMPLE - set(examples))
    assert set(examples) <= operations, sorted(set(examples) - operations)  # none left from a removed route
    for key, example in examples.items():
        method, path = key.split(" ", 1)
        body = json.dumps(example["response"]).encode()
        assert not _fails(path, method, path, example["status"], {"Content-Type": "application/json"}, body), key
        assert "EXAMPLE" not in json.dumps(example["response"]) or key.startswith("POST /api/v1/auth/"), key
