"""The case outputs build their dicts directly (cases/api.py) for speed. What the caller sees
must be exactly what DRF's generic walk over the declared fields gives, in every gating state:
social services, another agency with and without consent, protected identity, a closed case."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework import serializers

from cases import selectors, services
from cases.api import CaseDetailOutput, CaseListOutput, GatedSerializer, GuardianOutput, MemberOutput, YouthOutput
from consent.policy import categories_for_cases
from tests.consent.helpers import give

pytestmark = pytest.mark.django_db


def _context(user: Any, case: Any) -> dict[str, Any]:
    profile = selectors.staff_profile(user)
    return {
        "categories": categories_for_cases(profile=profile, cases=[case]),
        "social_services": profile.is_social_services,
    }


def _generic(serializer: Any, instance: Any) -> dict[str, Any]:
    """DRF's own walk, with every nested output also through DRF's walk."""
    body = GatedSerializer.to_representation(serializer, instance)
    if "youth" in body:
        youth = YouthOutput(context=serializer.context)
        if instance.youth.protected_identity and not serializer.context["social_services"]:
            body["youth"] = {k: v for k, v in body["youth"].items() if k != "address"}
        else:
            body["youth"] = serializers.Serializer.to_representation(youth, instance.youth)
    if "guardians" in body:
        body["guardians"] = [
            serializers.Serializer.to_representation(GuardianOutput(), g) for g in instance.guardians.all()
        ]
    if "members" in body:
        # the rows the detail reads (selectors.case_member_rows) against the model instances
        members = instance.members.select_related("user", "user__staff_profile__agency").order_by("added_at", "id")
        body["members"] = [serializers.Serializer.to_representation(MemberOutput(), m) for m in members]
    return body


def _both(user: Any, case: Any) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any], dict[str, Any]]:
    case = selectors.case_get_for_user(user=user, case_id=case.pk).case
    case.member_list = selectors.case_member_rows(case=case)
    context = _context(user, case)
    detail, listed = CaseDetailOutput(case, context=context), CaseListOutput(case, context=context)
    return detail.data, _generic(detail, case), listed.data, _generic(listed, case)


@pytest.mark.parametrize("viewer", ["alice", "petra", "sara"])
@pytest.mark.parametrize("state", ["no consent", "identity shared", "everything shared", "protected", "closed"])
def test_the_fast_output_is_the_generic_output(
    case: Any, alice: Any, viewer: str, state: str, request: pytest.FixtureRequest
) -> None:
    guardian = case.guardians.get()
    if state != "no consent":
        give(alice, case, guardian=guardian, categories=["identity"] if state == "identity shared" else None)
    if state == "protected":
        case.youth.protected_identity = True
        case.youth.save()
    if state == "closed":
        services.case_close(actor=alice, case=case, reason="Klart")

    detail, generic_detail, listed, generic_listed = _both(request.getfixturevalue(viewer), case)

    assert detail == generic_detail
    assert listed == generic_listed
    # and the gating itself, as the caller sees it:
    sees_identity = viewer == "alice" or state != "no consent"
    assert ("youth" in detail) is sees_identity
    assert ("summary" in detail) is (viewer == "alice" or state in {"everything shared", "protected", "closed"})
    if sees_identity:
        assert ("address" in detail["youth"]) is (viewer == "alice" or state != "protected")
