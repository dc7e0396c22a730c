"""Social services see the intake queue with the content: undecided first (urgent first, then
oldest first), then the decided ones (latest decision first); filtered by status, paged, at a
cost that does not grow with the page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from cases.querysets import bulk_writes_allowed
from content.referrals import MSG_STATUS
from referrals import services
from referrals.models import Referral
from tests.referrals.helpers import CONCERN, FAMILY, GIVEN, URL, file, pnr

pytestmark = pytest.mark.django_db


def received(referral: Referral, *, hours_ago: int) -> Referral:
    with bulk_writes_allowed():  # time travel for the test
        Referral.objects.filter(pk=referral.pk).update(received_at=timezone.now() - timedelta(hours=hours_ago))
    return referral


def decided(referral: Referral, actor: Any, *, hours_ago: int) -> Referral:
    services.referral_decide(actor=actor, referral=referral, decision="no_action", reason="r")
    with bulk_writes_allowed():
        Referral.objects.filter(pk=referral.pk).update(decided_at=timezone.now() - timedelta(hours=hours_ago))
    return referral


def numbers(response: Any) -> list[str]:
    return [item["number"] for item in response.json()["results"]]


def test_urgent_first_then_oldest_then_the_decided(sara: Any, petra: Any, alice: Any, client_for: Any) -> None:
    old = received(file(sara, serial=201), hours_ago=50)
    urgent_new = received(file(petra, serial=202, urgent=True), hours_ago=2)
    new = received(file(sara, serial=203), hours_ago=1)
    urgent_old = received(file(sara, serial=204, urgent=True), hours_ago=5)
    decided_long_ago = decided(received(file(sara, serial=205, urgent=True), hours_ago=90), alice, hours_ago=40)
    decided_lately = decided(received(file(sara, serial=206), hours_ago=80), alice, hours_ago=3)

    response = client_for(alice).get(URL)

    assert numbers(response) == [r.number for r in (urgent_old, urgent_new, old, new, decided_lately, decided_long_ago)]


def test_social_services_see_the_content(sara: Any, carl: Any, client_for: Any) -> None:
    referral = file(sara, urgent=True)

    (item,) = client_for(carl).get(URL).json()["results"]

    assert item["id"] == str(referral.pk)
    assert item["youth"] == {"personal_number": pnr().replace("-", ""), "given_name": GIVEN, "family_name": FAMILY}
    assert (item["concern"], item["urgent"], item["source"], item["reporter"]) == (CONCERN, True, "school", "sara")
    assert (item["status"], item["reason"], item["decided_by"], item["case"]) == ("received", None, None, None)


def test_the_status_filter_narrows_the_queue(sara: Any, alice: Any, client_for: Any) -> None:
    waiting = file(sara)
    done = decided(file(sara, serial=202), alice, hours_ago=1)
    client = client_for(alice)

    assert numbers(client.get(URL, {"status": "received"})) == [waiting.number]
    assert numbers(client.get(URL, {"status": "no_action"})) == [done.number]
    assert numbers(client.get(URL, {"status": "open_case"})) == []


def test_a_bad_status_is_named_and_not_repeated(alice: Any, client_for: Any) -> None:
    typed = pnr()

    response = client_for(alice).get(URL, {"status": typed})

    assert response.status_code == 400
    assert response.json() == {"status": [str(MSG_STATUS)]}
    assert typed not in response.content.decode()


def test_the_queue_is_paged(sara: Any, alice: Any, client_for: Any) -> None:
    for n in range(3):
        file(sara, serial=300 + n)

    body = client_for(alice).get(URL, {"page_size": 2}).json()

    assert (body["count"], len(body["results"])) == (3, 2)
    assert body["next"].endswith("?page=2&page_size=2")
    assert body["previous"] is None


@pytest.mark.parametrize("rows", [3, 30])
def test_the_query_count_does_not_grow_with_rows(
    rows: int, sara: Any, alice: Any, client_for: Any, django_assert_max_num_queries: Any
) -> None:
    for n in range(rows):
        referral = file(sara, serial=300 + n)
        if n % 3 == 0:
            services.referral_decide(
                actor=alice, referral=referral, decision="open_case", reason="r", track="sspf", district="C"
            )
    client = client_for(alice)

    # token lookup, count, page (referrals + keys + reporters + agencies + deciders + cases in one
    # join), one insert of the access entries for the whole page, and the request's savepoint pair
    with django_assert_max_num_queries(6):
        response = client.get(URL)

    assert len(response.json()["results"]) == rows


@pytest.mark.parametrize("rows", [3, 30])
def test_the_reporters_list_does_not_grow_with_rows_either(
    rows: int, sara: Any, client_for: Any, django_assert_max_num_queries: Any
) -> None:
    for n in range(rows):
        file(sara, serial=300 + n)
    client = client_for(sara)

    with django_assert_max_num_queries(5):
        response = client.get(URL)

    assert len(response.json()["results"]) == rows
