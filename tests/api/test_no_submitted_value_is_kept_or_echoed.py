"""No submitted value comes back in an error, and none reaches the append-only log (issue 15,
item 6). A personal identity number typed into the wrong box is the case to fear: the log keeps
what it is given for good.

The sweep takes every operation from the OpenAPI schema and sends a marker shaped like a
personal identity number in every query parameter and every field of the body, all at once and
one field at a time, as a social worker and as an auditor."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from api.errors import api_exception_handler
from api.inputs import MSG_CASE_REF
from audit.models import AuditEntry, AuditEvent
from cases.errors import MSG_INVALID_VALUE
from tests.conftest import case_url
from tests.contract import ConformingClient

pytestmark = pytest.mark.django_db

MARKER = "19121212-1212"
# The tried username of a login is kept by design (docs/audit.md): a login is no filter.
KEPT_BY_DESIGN = {AuditEvent.LOGIN, AuditEvent.LOGIN_FAILED}


def _audit_rows_with(marker: str) -> list[tuple[Any, ...]]:
    table = AuditEntry._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - the model's own table name
        columns = [column[0] for column in cursor.description]
        rows = cursor.fetchall()
    event = columns.index("event")
    return [row for row in rows if row[event] not in KEPT_BY_DESIGN and marker in repr(row)]


def test_a_personal_number_as_the_registers_case_is_a_400_kept_nowhere(audrey: Any, client_for: Any) -> None:
    response = client_for(audrey).get("/api/v1/disclosures/", {"case": "201208291011"})

    assert response.status_code == 400
    assert response.json() == {"case": [str(MSG_CASE_REF)]}
    assert _audit_rows_with("201208291011") == []


def test_the_register_logs_a_valid_case_reference(case: Any, audrey: Any, client_for: Any) -> None:
    response = client_for(audrey).get("/api/v1/disclosures/", {"case": case.number, "other": MARKER})

    assert response.status_code == 200
    entry = AuditEntry.objects.filter(event=AuditEvent.ACCESS, actor_username="audrey").latest("id")
    assert entry.additional_data == {"disclosure_register": {"case": case.number}}


def test_the_audit_search_keeps_validated_filters_only(case: Any, audrey: Any, client_for: Any) -> None:
    client = client_for(audrey)

    bad_case = client.get("/api/v1/audit/entries/", {"case": "201208291011"})
    unknown_actor = client.get("/api/v1/audit/entries/", {"actor": MARKER, "action": "access", "junk": MARKER})
    known = client.get("/api/v1/audit/entries/", {"actor": "alice", "case": str(case.pk)})

    assert bad_case.status_code == 400
    assert bad_case.json() == {"case": [str(MSG_CASE_REF)]}
    assert unknown_actor.status_code == 200
    assert known.status_code == 200
    searches = AuditEntry.objects.filter(actor_username="audrey", additional_data__has_key="filters").order_by("id")
    assert [e.additional_data["filters"] for e in searches] == [
        {"actor": "(no such user)", "action": "access"},
        {"actor": "alice", "case": str(case.pk)},
    ]
    assert _audit_rows_with("201208291011") == []
    assert _audit_rows_with(MARKER) == []


def test_a_uuid_error_does_not_repeat_the_value(case: Any, alice: Any, client_for: Any) -> None:
    response = client_for(alice).post(
        case_url(case, "consents/"), {"guardian": "201208291011", "parties": ["201208291011"]}, format="json"
    )

    assert response.status_code == 400
    assert "201208291011" not in response.content.decode()


def _schema() -> dict[str, Any]:
    response = ConformingClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema: dict[str, Any] = response.json()
    return schema


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def _marked(schema: dict[str, Any], prop: dict[str, Any]) -> Any:
    prop = _resolve(schema, prop)
    if prop.get("type") == "array":
        return [MARKER]
    if prop.get("type") == "object" and "properties" in prop:
        return {name: MARKER for name in prop["properties"]}
    return MARKER


def _bodies(schema: dict[str, Any], operation: dict[str, Any]) -> list[dict[str, Any]]:
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" not in content:
        return []
    properties = _resolve(schema, content["application/json"]["schema"]).get("properties", {})
    every = {name: _marked(schema, prop) for name, prop in properties.items()}
    return [every] + [{name: value} for name, value in every.items()]


def _path(template: str, case: Any) -> str:
    path = template.replace("{case_id}", str(case.pk)).replace("{username}", MARKER)
    while "{" in path:
        start = path.index("{")
        path = path[:start] + str(uuid.uuid4()) + path[path.index("}") + 1 :]
    return path


def test_no_error_anywhere_repeats_a_submitted_value(
    case: Any, alice: Any, audrey: Any, carl: Any, client_for: Any
) -> None:
    schema = _schema()
    echoed: list[str] = []
    sent = 0
    for user in (alice, carl, audrey):
        client = client_for(user)
        client.raise_request_exception = False
        for template, operations in schema["paths"].items():
            for method, operation in operations.items():
                if method not in {"get", "post", "put", "patch", "delete"}:
                    continue
                query = {p["name"]: MARKER for p in operation.get("parameters", []) if p.get("in") == "query"}
                path = _path(template, case)
                if query:
                    path += "?" + "&".join(f"{name}={MARKER}" for name in query)
                for body in _bodies(schema, operation) or [None]:
                    response = getattr(client, method)(path, body, format="json", HTTP_IF_MATCH='"1"')
                    sent += 1
                    if response.status_code >= 400 and MARKER in response.content.decode(errors="replace"):
                        echoed.append(f"{user.username} {method.upper()} {template} {response.status_code}")
    assert sent > 300
    assert echoed == []
    assert _audit_rows_with(MARKER) == []


def test_a_django_message_built_around_the_value_is_replaced() -> None:
    """Django's own "“…” is not a valid UUID." (a model field's to_python, as a service's query of
    an unchecked id raises it) reaches the handler with the value in its params: replaced whole."""
    with pytest.raises(ValidationError) as raised:
        AuditEntry._meta.get_field("case_ref").to_python("201208291011")

    response = api_exception_handler(ValidationError({"case": raised.value.error_list}), {})

    assert response is not None and response.status_code == 400
    assert response.data == {"case": [str(MSG_INVALID_VALUE)]}
