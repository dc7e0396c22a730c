"""Social services change a case under its current version (If-Match); a stale change changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from api.cases import MSG_IF_MATCH
from cases.errors import MSG_PRECONDITION_REQUIRED, MSG_STALE
from cases.models import Case
from tests.conftest import case_url

pytestmark = pytest.mark.django_db


def test_a_current_if_match_updates_and_bumps_the_version(case: Any, alice: Any, client_for: Any) -> None:
    response = client_for(alice).patch(case_url(case), {"district": "Stallarholmen"}, HTTP_IF_MATCH='"1"')

    assert response.status_code == 200
    assert response.json()["district"] == "Stallarholmen"
    assert response.json()["version"] == 2
    assert response["ETag"] == '"2"'
    assert Case.objects.get(pk=case.pk).district == "Stallarholmen"


def test_a_stale_if_match_is_412_and_changes_nothing(case: Any, alice: Any, carl: Any, client_for: Any) -> None:
    assert client_for(carl).patch(case_url(case), {"summary": "Carl's edit"}, HTTP_IF_MATCH='"1"').status_code == 200

    response = client_for(alice).patch(case_url(case), {"summary": "Alice's edit"}, HTTP_IF_MATCH='"1"')

    assert response.status_code == 412
    assert response.json() == {"detail": str(MSG_STALE), "code": "stale_version"}
    stored = Case.objects.select_related("key").get(pk=case.pk)
    assert stored.summary == "Carl's edit"
    assert stored.version == 2


def test_an_update_without_if_match_is_refused(case: Any, alice: Any, client_for: Any) -> None:
    response = client_for(alice).patch(case_url(case), {"district": "X"})

    assert response.status_code == 428
    assert response.json() == {"detail": str(MSG_PRECONDITION_REQUIRED), "code": "precondition_required"}


@pytest.mark.parametrize("sent", ["*", "1", '"1', '"1" "2"', 'W/"x"', '"1", "2"', "{}"])
def test_an_if_match_that_is_not_one_entity_tag_is_a_400_and_changes_nothing(
    case: Any, alice: Any, client_for: Any, sent: str
) -> None:
    # It never matches: it used to be a 412, it now names the header (issue 18: the schema's pattern).
    response = client_for(alice).patch(case_url(case), {"district": "X"}, HTTP_IF_MATCH=sent)

    assert response.status_code == 400
    assert response.json() == {"If-Match": [str(MSG_IF_MATCH)]}
    assert Case.objects.get(pk=case.pk).district == "Centrum"


def test_a_weak_or_strong_current_tag_matches(case: Any, alice: Any, client_for: Any) -> None:
    for sent, district in (('W/"1"', "Norr"), (' "2" ', "Söder")):
        assert client_for(alice).patch(case_url(case), {"district": district}, HTTP_IF_MATCH=sent).status_code == 200
    assert Case.objects.get(pk=case.pk).district == "Söder"


@pytest.mark.parametrize("member", ["petra", "sara", "leo"])
def test_other_agencies_cannot_edit(case: Any, member: str, request: pytest.FixtureRequest, client_for: Any) -> None:
    user = request.getfixturevalue(member)

    response = client_for(user).patch(case_url(case), {"district": "X"}, HTTP_IF_MATCH='"1"')

    assert response.status_code == 403
    assert Case.objects.get(pk=case.pk).district == "Centrum"


def test_a_change_that_changes_nothing_keeps_the_version(case: Any, alice: Any, client_for: Any) -> None:
    response = client_for(alice).patch(case_url(case), {"district": "Centrum"}, HTTP_IF_MATCH='"1"')

    assert response.status_code == 200
    assert response.json()["version"] == 1


def test_other_agencies_are_refused_before_the_version_is_asked_for(case: Any, petra: Any, client_for: Any) -> None:
    assert client_for(petra).patch(case_url(case), {"district": "X"}).status_code == 403
