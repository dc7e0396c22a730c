"""The selector finds the ``cases.view_case`` permission by a scalar subquery instead of joins.
Only that permission opens a case, and a recreated permission is followed."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType

from cases.models import Case, CaseUserObjectPermission
from cases.querysets import bulk_writes_allowed
from content import access as selectors

pytestmark = pytest.mark.django_db


def _visible(user: Any) -> list[Any]:
    return list(selectors.case_queryset_for_user(user).values_list("pk", flat=True))


def test_a_grant_of_another_permission_on_the_case_opens_nothing(case: Any, olle: Any) -> None:
    change = Permission.objects.get(codename="change_case", content_type__app_label="cases")
    CaseUserObjectPermission.objects.create(content_object=case, user=olle, permission=change)

    assert _visible(olle) == []


def test_a_view_case_permission_of_another_app_opens_nothing(case: Any, olle: Any) -> None:
    other = ContentType.objects.get_for_model(Permission)
    lookalike = Permission.objects.create(codename="view_case", name="look-alike", content_type=other)
    # guardian's save() refuses such a row; a row written around it (bulk_create skips save(),
    # and is itself refused unless explicitly allowed) must still open nothing.
    with bulk_writes_allowed():
        CaseUserObjectPermission.objects.bulk_create(
            [CaseUserObjectPermission(content_object=case, user=olle, permission=lookalike)]
        )

    assert _visible(olle) == []


def test_a_recreated_permission_is_followed(case: Any, alice: Any) -> None:
    assert _visible(alice) == [case.pk]
    old = Permission.objects.get(codename="view_case", content_type__app_label="cases")
    CaseUserObjectPermission.objects.filter(permission=old).delete()
    old.delete()
    assert _visible(alice) == []  # no permission, no access

    new = Permission.objects.create(
        codename="view_case", name="Can view case", content_type=ContentType.objects.get_for_model(Case)
    )
    CaseUserObjectPermission.objects.create(content_object=case, user=alice, permission=new)

    assert _visible(alice) == [case.pk]


def test_grants_are_not_changed_in_bulk(case: Any, olle: Any) -> None:
    """Team membership changes go through the services (assign_perm, remove_perm: audited); a
    QuerySet.update or bulk_create on the grant table, which would skip the audit log, is refused."""
    grants = CaseUserObjectPermission.objects.filter(content_object=case)

    with pytest.raises(PermissionError):
        grants.update(user=olle)
    with pytest.raises(PermissionError):
        CaseUserObjectPermission.objects.bulk_create([CaseUserObjectPermission(content_object=case, user=olle)])
    assert not _visible(olle)
