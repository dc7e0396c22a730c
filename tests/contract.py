"""The contract, checked on every API answer the suite sees: ``ConformingClient`` is DRF's test
client that validates each response to ``/api/v1/`` against the service's own OpenAPI schema
(status code documented, content type documented, body matching the schema, with schemathesis'
validator), so every test of every role is also a test that the schema tells the truth (issue
18). ``conftest.client_for`` hands it out."""

from __future__ import annotations

import atexit
import json
import os
import re
from functools import cache
from typing import Any

import requests
import schemathesis
from django.urls import Resolver404
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient
from schemathesis.core.transport import Response as CheckedResponse

ROUTE_PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")


@cache
def schema() -> Any:
    return schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))


def template_of(response: Any) -> str | None:
    """The schema's path for the route Django matched (``/api/v1/cases/{case_id}/``)."""
    try:
        route = response.resolver_match.route  # resolved lazily, here
    except Resolver404:  # a path no route takes: no operation to hold it to
        return None
    return "/" + ROUTE_PARAMETER.sub(r"{\1}", route) if route else None


def conforms(template: str, method: str, url: str, status: int, headers: dict[str, str], content: bytes) -> None:
    """Raise (schemathesis' FailureGroup) unless the answer is one the schema documents."""
    prepared = requests.Request(method.upper(), "http://testserver" + url).prepare()
    checked = CheckedResponse(
        status_code=status,
        headers={name.lower(): [value] for name, value in headers.items()},
        content=content,
        request=prepared,
        elapsed=0.0,
        verify=True,
    )
    operation = schema()[template][method.upper()]
    definition = operation.responses.find_by_status_code(status)
    assert definition is not None, f"{method.upper()} {template}: status {status} is not in the schema"
    if content:
        media_type = headers.get("Content-Type", "").split(";")[0].strip()
        documented = [t.split(";")[0] for t in operation.schema.get_content_types(operation, checked)]
        assert media_type in documented, f"{method.upper()} {template} {status}: {media_type} not in {documented}"
    operation.validate_response(checked)


def check(response: Any, method: str, url: str, content: bytes) -> None:
    template = template_of(response)
    if template is None or not template.startswith("/api/v1/"):
        return
    conforms(template, method, url, response.status_code, dict(response.items()), content)


# `make api-examples` sets this: the first successful answer of each operation (and its JSON
# body) is kept as the schema's example (api/examples.json, read by api.schema.document_examples).
RECORD = os.environ.get("RECORD_API_EXAMPLES", "")
SECRETS = {"token", "secret", "otpauth_uri", "password", "new_password", "otp", "enrolment_code"}
recorded: dict[str, dict[str, Any]] = {}


def _example(value: Any) -> Any:
    """A recorded body as an example: secrets replaced, long lists cut to their first two."""
    if isinstance(value, dict):
        return {k: ("EXAMPLE" if k in SECRETS else _example(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_example(v) for v in value[:2]]
    return value


def _json(raw: Any) -> Any:
    try:
        return json.loads(raw) if raw else None
    except (TypeError, ValueError):
        return None


def record(template: str, method: str, status: int, sent: Any, response: Any, content: bytes) -> None:
    key = f"{method.upper()} {template}"
    if key in recorded or status >= 300 or "json" not in response.get("Content-Type", ""):
        return
    recorded[key] = {"status": status, "request": _example(_json(sent)), "response": _example(_json(content))}


@atexit.register
def _write_examples() -> None:
    if RECORD and recorded:
        with open(RECORD, "w", encoding="utf-8") as handle:
            json.dump(dict(sorted(recorded.items())), handle, ensure_ascii=False, indent=1, default=str)
            handle.write("\n")


class ConformingClient(APIClient):
    def generic(self, method: str, path: str, *args: Any, **kwargs: Any) -> Any:
        response = super().generic(method, path, *args, **kwargs)
        if response.streaming:  # read once here; the test reads the same bytes after
            content = b"".join(response.streaming_content)
            response.streaming_content = [content]
        else:
            content = response.content
        check(response, method, path, content)
        template = template_of(response)
        if RECORD and template and template.startswith("/api/v1/"):
            record(template, method, response.status_code, args[0] if args else kwargs.get("data"), response, content)
        return response
