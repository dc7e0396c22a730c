"""The case outputs are built by the content selectors (content/case.py) as plain data; the API's
output serializers are the schema. What a caller sees must be what the schema declares, in every
gating state: social services, another agency with and without consent, protected identity, a
closed case."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework import serializers

from api.cases import (
    CaseDetailOutput,
    CaseListOutput,
    ClosureRequestOutput,
    GuardianOutput,
    MemberOutput,
    YouthOutput,
)
from cases import services
from content.access import case_access
from content.case import case_row, case_shown
from tests.consent.helpers import give

pytestmark = pytest.mark.django_db


def _declared(serializer: serializers.Serializer) -> tuple[set[str], set[str]]:
    """(every declared field, the required ones) of an output serializer."""
    fields = serializer.get_fields()
    return set(fields), {name for name, field in fields.items() if field.required}


def _conforms(body: dict[str, Any], serializer: serializers.Serializer) -> None:
    declared, required = _declared(serializer)
    assert required <= set(body) <= declared, (set(body), declared, required)


@pytest.mark.parametrize("viewer", ["alice", "petra", "sara"])
@pytest.mark.parametrize(
    "state", ["no consent", "identity shared", "everything shared", "protected", "closed", "closure requested"]
)
def test_the_output_is_what_the_schema_declares(
    case: Any, alice: Any, carl: Any, viewer: str, state: str, request: pytest.FixtureRequest
) -> None:
    guardian = case.guardians.get()
    if state != "no consent":
        give(alice, case, guardian=guardian, categories=["identity"] if state == "identity shared" else None)
    if state == "protected":
        case.youth.protected_identity = True
        case.youth.save()
    if state == "closed":
        services.case_close(actor=carl, case=case, reason="Klart")  # a coordinator closes at once
    if state == "closure requested":
        services.case_close(actor=alice, case=case, reason="Klart", outcome="moved")  # waits for a coordinator

    access = case_access(user=request.getfixturevalue(viewer), case_id=case.pk)
    detail, listed = case_shown(access), case_row(access)

    _conforms(detail, CaseDetailOutput())
    _conforms(listed, CaseListOutput())
    for member in detail["members"]:
        _conforms(member, MemberOutput())
    for guardian_row in detail.get("guardians", []):
        _conforms(guardian_row, GuardianOutput())
    if "youth" in detail:
        _conforms(detail["youth"], YouthOutput())
    if detail["closure_request"] is not None:
        _conforms(detail["closure_request"], ClosureRequestOutput())
        # The reason is social services' free text: not for the other agencies.
        assert ("reason" in detail["closure_request"]) is (viewer == "alice")
    assert (detail["closure_request"] is not None) is (state == "closure requested")
    assert detail["outcome"] == ("other" if state == "closed" else None)
    # and the gating itself, as the caller sees it:
    sees_identity = viewer == "alice" or state != "no consent"
    assert ("youth" in detail) is sees_identity
    assert ("youth" in listed) is sees_identity
    assert ("guardians" in detail) is sees_identity
    assert ("summary" in detail) is (
        viewer == "alice" or state in {"everything shared", "protected", "closed", "closure requested"}
    )
    if sees_identity:
        assert ("address" in detail["youth"]) is (viewer == "alice" or state != "protected")
