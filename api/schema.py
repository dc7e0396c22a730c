"""The OpenAPI description's shared parts (drf-spectacular): the bearer-token scheme, the page
envelopes the lists answer with, and one error schema documented on every operation for every
status the server can answer with (``document_errors``, a postprocessing hook). docs/api.md."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from api import inputs
from cases.models import AgencyKind
from consent.policy import CATEGORIES

# Every ``code`` an error body can carry (api/errors.py, the services' conflicts, the login's and
# the database guard's own). tests/api/test_schema_errors.py finds every code in the source and
# fails if one is missing here.
ERROR_CODES = [
    # 400
    "parse_error",
    "invalid",
    # 401
    "not_authenticated",
    "authentication_failed",
    "login_failed",
    "enrolment_failed",
    # 403
    "permission_denied",
    "consent_required",
    # 404
    "not_found",
    # 405, 406, 415
    "method_not_allowed",
    "not_acceptable",
    "unsupported_media_type",
    # 409: the object's state
    "conflict",
    "already_closed",
    "already_decided",
    "already_done",
    "already_frozen",
    "already_member",
    "already_verified",
    "already_withdrawn",
    "case_closed",
    "case_open",
    "closure_pending",
    "emergency_access_running",
    "evidence_changed",
    "evidence_verified",
    "no_closure_request",
    "no_evidence",
    "no_legal_hold",
    "oral_consent",
    "owner_stays",
    "retention_passed",
    "review_incomplete",
    "review_signed_off",
    # 412, 413, 428, 429
    "stale_version",
    "request_too_large",
    "file_too_large",
    "precondition_required",
    "login_throttled",
    "throttled",
    # 500, 503
    "server_error",
    "database_unavailable",
]

ERROR = {
    "type": "object",
    "description": "Every error but a 400's field errors: a message in the user's language (Swedish by "
    "default) that never repeats a submitted value, and a stable code to act on.",
    "properties": {
        "detail": {"type": "string", "example": "Ärendet hittades inte."},
        "code": {"$ref": "#/components/schemas/ErrorCode"},
    },
    "required": ["detail", "code"],
    "additionalProperties": False,
}
FIELD_ERRORS = {
    "type": "object",
    "description": "400: the fields that were refused, each with its messages (nested fields nest: "
    '`{"youth": {"personal_number": ["..."]}}`); errors of no one field under `non_field_errors`.',
    "additionalProperties": {
        "oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "object", "additionalProperties": True}]
    },
    "example": {"personal_number": ["Ange ett giltigt personnummer."]},
}
STATUS_TEXT = {
    400: "Refused input: the fields and why, or a body that is not JSON (`parse_error`).",
    401: "No token, or an expired or revoked one (`WWW-Authenticate: Bearer`).",
    403: "The caller's role or the consent does not allow it (`permission_denied`, `consent_required`).",
    404: "No such object, or one the caller may not know of (`not_found`); a page past the last, or a "
    "cursor that is not one.",
    409: "The object's state does not allow it now (the code says which).",
    412: "The object changed since it was read (`stale_version`): read it again.",
    413: "The body or the file is too large (`request_too_large`, `file_too_large`).",
    414: "The request line is too long: the HTTP server's own answer (HTML), before the service.",
    415: "The body is not of a content type the operation takes (`unsupported_media_type`).",
    428: "`If-Match` is required (`precondition_required`).",
    429: "Too many failed sign-ins: wait (`login_throttled`; `Retry-After`).",
    500: "An error the service did not expect, or a stored value that fails its integrity check "
    "(`server_error`): logged, never with details. The fuzzing in CI expects none.",
    503: "The database is unavailable for a moment (`database_unavailable`; `Retry-After`).",
}


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "description": "Token from POST /api/v1/auth/login"}


PAGING = [
    OpenApiParameter(
        "page",
        {"oneOf": [{"type": "integer", "minimum": 1}, {"type": "string", "enum": ["last"]}]},
        description="1 for the first page (the default), or `last`; a page past the last is a 404.",
    ),
    OpenApiParameter(
        "page_size", int, description="Rows per page (default 50); under 1 means the default, over 100 means 100."
    ),
]
CURSOR_PAGING = [
    OpenApiParameter("cursor", str, description="The `next` or `previous` link's cursor, as it came."),
    OpenApiParameter(
        "page_size", int, description="Rows per page (default 100); under 1 means the default, over 500 means 500."
    ),
]


@cache
def page_of(item: type[serializers.BaseSerializer], *, cursor: bool = False) -> type[serializers.Serializer]:
    """The envelope a paged list answers with, for the schema: DRF's numbered page (``count``,
    ``next``, ``previous``, ``results``) or, with ``cursor``, its cursor page (no ``count``)."""
    fields: dict[str, Any] = {
        "next": serializers.URLField(allow_null=True, help_text="The next page, or null on the last."),
        "previous": serializers.URLField(allow_null=True, help_text="The previous page, or null on the first."),
        "results": item(many=True),
    }
    if not cursor:
        fields = {"count": serializers.IntegerField(min_value=0, help_text="Rows on all pages together."), **fields}
    name = f"{'Cursor' if cursor else 'Paginated'}{item.__name__}List"
    return type(name, (serializers.Serializer,), fields)


def _error_content(status: int) -> dict[str, Any]:
    if status == 414:
        return {"text/html": {"schema": {"type": "string"}}}
    error = {"$ref": "#/components/schemas/Error"}
    schema = {"anyOf": [{"$ref": "#/components/schemas/FieldErrors"}, error]} if status == 400 else error
    return {"application/json": {"schema": schema}}


def _statuses(method: str, operation: dict[str, Any]) -> set[int]:
    """What the server can answer this operation with besides its successes (api/errors.py)."""
    parameters = operation.get("parameters", [])
    anonymous = {} in operation.get("security", [{}]) or not operation.get("security")
    body = "requestBody" in operation
    statuses = {500, 503}
    query = any(p["in"] == "query" for p in parameters)
    # A path parameter that is not an id (a year, a username) is validated: 400.
    typed_path = any(p["in"] == "path" and p.get("schema", {}).get("format") != "uuid" for p in parameters)
    if body or query or typed_path:
        statuses.add(400)
    if query:
        statuses.add(414)  # gunicorn's, before the app: a request line over 4,094 bytes
    if body:
        statuses |= {400, 413, 415}
    if not anonymous:
        statuses |= {401, 403}
    if not anonymous and method != "get":
        statuses.add(400)  # the services' rules refuse with field errors
    if any(p["in"] == "path" for p in parameters) or any(p["name"] in ("page", "cursor") for p in parameters):
        statuses.add(404)
    if not anonymous and method in ("post", "patch", "put", "delete"):
        statuses.add(409)
    if any(p["in"] == "header" and p["name"] == "If-Match" for p in parameters):
        statuses |= {412, 428}
    return statuses


def document_errors(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """POSTPROCESSING_HOOKS: the shared error schema, and on every operation each error status it
    can answer with, with that schema (an operation's own description of a status is kept)."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["ErrorCode"] = {"type": "string", "enum": ERROR_CODES, "description": "What went wrong, stable."}
    schemas["Error"] = ERROR
    schemas["FieldErrors"] = FIELD_ERRORS
    for item in result.get("paths", {}).values():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            responses = operation.setdefault("responses", {})
            wanted = _statuses(method, operation) | {int(s) for s in responses if str(s)[0] in "45"}
            for status in sorted(wanted):
                response = responses.setdefault(str(status), {})
                response.setdefault("description", STATUS_TEXT.get(status, ""))
                if not response.get("content"):
                    response["content"] = _error_content(status)
                if status in (401,) and not operation.get("security") == [{}]:
                    response.setdefault("headers", {})["WWW-Authenticate"] = {"schema": {"type": "string"}}
                if status in (429, 503):
                    response.setdefault("headers", {})["Retry-After"] = {
                        "schema": {"type": "integer", "minimum": 0},
                        "description": "Seconds to wait.",
                    }
    return result


# What the code checks but the serializers cannot tell drf-spectacular (cases/personnummer.py,
# consent.policy, the serializers' list bounds, DRF's text fields, api.inputs' dates), added to
# every component that has the field.
PERSONAL_NUMBER_IN = r"^\s*([0-9]{8}-?[0-9]{4}|[0-9]{6}[-+]?[0-9]{4})\s*$"
PERSONAL_NUMBER_OR_BLANK = r"^\s*([0-9]{8}-?[0-9]{4}|[0-9]{6}[-+]?[0-9]{4})?\s*$"
PERSONAL_NUMBER_OUT = r"^[0-9]{12}$"
PERSONAL_NUMBER_OUT_OR_BLANK = r"^([0-9]{12})?$"
# DRF's text fields refuse NUL and, unless blank is allowed, text that is only whitespace (they
# strip it: Python's whitespace, spelled out, as JSON Schema's ``\s`` is not quite Python's).
WHITESPACE = r"\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
NO_NUL = r"^[^\x00]*$"
NOT_BLANK = rf"^[^\x00]*[^\x00{WHITESPACE}][^\x00]*$"


def at_least(length: int) -> str:
    """Text that holds ``length`` characters or more once stripped, and no NUL."""
    if length <= 1:
        return NOT_BLANK
    edge = rf"[^\x00{WHITESPACE}]"
    return rf"^[^\x00]*{edge}[^\x00]{{{length - 2},}}{edge}[^\x00]*$"


# api.inputs: a date or time is refused outside 1900-2100 (a time also when Swedish time puts it
# outside); the year as written, since JSON Schema has no bounds for dates.
YEAR_RANGE = "^(19[0-9]{2}|20[0-9]{2}|2100)-"


# Lists the services refuse with a value twice (cases.services.records: MSG_DUPLICATE).
UNIQUE_ITEMS = {"present", "participants", "attendees"}


def _text_rules(schema: dict[str, Any]) -> None:
    """A request's free text (no enum, format or pattern of its own), in arrays too."""
    if schema.get("type") == "array" and isinstance(schema.get("items"), dict):
        _text_rules(schema["items"])
    if schema.get("type") != "string" or "enum" in schema or "pattern" in schema:
        return
    if schema.get("format") in ("date-time", "date"):
        schema["pattern"] = YEAR_RANGE
    elif "format" not in schema:
        schema["pattern"] = at_least(schema["minLength"]) if schema.get("minLength", 0) >= 1 else NO_NUL


def _rules(name: str, field: str, schema: dict[str, Any]) -> None:
    request = name.endswith("Request")
    if field == "personal_number" and schema.get("type") == "string":
        schema["pattern"] = PERSONAL_NUMBER_IN if request else PERSONAL_NUMBER_OUT
        if not request and "Guardian" in name:  # a guardian's is optional
            schema["pattern"] = PERSONAL_NUMBER_OUT_OR_BLANK
        if request and not schema.get("minLength"):  # a guardian's may be left blank
            schema["pattern"] = PERSONAL_NUMBER_OR_BLANK
        if request:
            schema["format"] = "personnummer"  # a valid date and check digit: more than a pattern says
        schema["description"] = (
            "Personnummer or samordningsnummer, YYYYMMDD-NNNN, YYMMDD-NNNN or 12 digits, with a valid "
            "check digit and date, not in the future."
            if request
            else "Twelve digits, YYYYMMDDNNNN."
        )
    if schema.get("type") == "array" and schema.get("items", {}).get("type") == "string":
        if field == "categories":
            schema["items"]["enum"] = sorted(CATEGORIES)
        if field == "agencies":
            schema["items"]["enum"] = list(AgencyKind.values)
    if field == "guardians" and request:
        schema["maxItems"] = 10
    if field in UNIQUE_ITEMS and request and schema.get("type") == "array":
        schema["uniqueItems"] = True
    if request:
        _text_rules(schema)


# Query parameters that an empty value does not leave out: a cursor must be one, a year is required.
EMPTY_IS_NOT_ABSENT = {"cursor", "year"}


def _parameter_rules(parameter: dict[str, Any]) -> None:
    if parameter["name"] == "case" and parameter["in"] == "query":
        parameter["schema"]["pattern"] = rf"^[{WHITESPACE}]*({inputs.CASE_REF})[{WHITESPACE}]*$"
    if parameter["name"] == "year":
        # The figures of a year from 2000 up to this one; a year is frozen once it is over.
        finished = parameter["in"] == "path"
        parameter["schema"]["minimum"] = 2000
        parameter["schema"]["maximum"] = timezone.localdate().year - (1 if finished else 0)
        parameter.setdefault(
            "description", "A finished year from 2000." if finished else "A year from 2000 up to this one."
        )
    if parameter["in"] != "query":
        return
    # An empty value (``?status=``) is read as no value, as django-filter and DRF read it.
    if parameter["name"] not in EMPTY_IS_NOT_ABSENT:
        parameter["allowEmptyValue"] = True
    _text_rules(parameter["schema"])


def document_rules(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """POSTPROCESSING_HOOKS: the rules above on the components' properties and the parameters."""
    for name, component in result.get("components", {}).get("schemas", {}).items():
        for field, schema in component.get("properties", {}).items():
            _rules(name, field, schema)
    for item in result.get("paths", {}).values():
        for operation in item.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                _parameter_rules(parameter)
    return result


# One example per operation: the first successful answer (and JSON body) the test suite saw, with
# secrets replaced (`make api-examples`, tests/contract.py); tests/api/test_schema_truth.py holds
# each to the schema and wants one for every operation that answers JSON.
EXAMPLES = Path(__file__).resolve().parent / "examples.json"


@cache
def _examples() -> dict[str, dict[str, Any]]:
    if not EXAMPLES.exists():
        return {}
    loaded: dict[str, dict[str, Any]] = json.loads(EXAMPLES.read_text(encoding="utf-8"))
    return loaded


def document_examples(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """POSTPROCESSING_HOOKS: the recorded examples on their operations."""
    examples = _examples()
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            found = examples.get(f"{method.upper()} {path}")
            if not found or not isinstance(operation, dict):
                continue
            answer = operation.get("responses", {}).get(str(found["status"]), {})
            if found["response"] is not None and "application/json" in answer.get("content", {}):
                answer["content"]["application/json"]["example"] = found["response"]
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body is not None and found["request"] is not None:
                body["example"] = found["request"]
    return result
