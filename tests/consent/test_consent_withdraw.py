"""A withdrawal takes effect on the next request, and a consent is withdrawn only once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from consent.models import ConsentWithdrawal
from consent.policy import categories_for_case
from consent.services import MSG_ALREADY_WITHDRAWN, consent_withdraw
from tests.conftest import case_url
from tests.consent.helpers import give, guardian_of

pytestmark = pytest.mark.django_db


def test_withdrawal_takes_effect_on_the_next_request(case: Any, alice: Any, petra: Any, client_for: Any) -> None:
    consent = give(alice, case, guardian=guardian_of(case))
    police = client_for(petra)
    assert police.get(case_url(case)).status_code == 200

    response = client_for(alice).post(
        f"/api/v1/consents/{consent.pk}/withdraw/", {"reason": "Vårdnadshavaren ångrade sig"}
    )

    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"
    assert response.json()["withdrawal_reason"] == "Vårdnadshavaren ångrade sig"
    assert police.get(case_url(case)).status_code == 403
    again = client_for(alice).post(f"/api/v1/consents/{consent.pk}/withdraw/", {"reason": "igen"})
    assert again.status_code == 409
    assert again.json() == {"detail": str(MSG_ALREADY_WITHDRAWN), "code": "already_withdrawn"}
    assert ConsentWithdrawal.objects.count() == 1


def test_a_withdrawal_counts_from_the_moment_it_is_recorded(case: Any, alice: Any, petra: Any) -> None:
    consent = give(alice, case, guardian=guardian_of(case), agencies=["police"], categories=["identity"])
    withdrawal = consent_withdraw(actor=alice, consent=consent, reason="Vårdnadshavaren ångrade sig")
    profile = petra.staff_profile
    moment = withdrawal.withdrawn_at

    assert categories_for_case(profile=profile, case=case, at=moment - timedelta(microseconds=1)) == {"identity"}
    assert categories_for_case(profile=profile, case=case, at=moment) == frozenset()


@pytest.mark.parametrize("member", ["petra", "sara"])
def test_only_social_services_record_a_withdrawal(
    case: Any, alice: Any, member: str, request: pytest.FixtureRequest, client_for: Any
) -> None:
    consent = give(alice, case, guardian=guardian_of(case))

    response = client_for(request.getfixturevalue(member)).post(
        f"/api/v1/consents/{consent.pk}/withdraw/", {"reason": "Jag vill inte längre"}
    )

    assert response.status_code == 403
    assert not ConsentWithdrawal.objects.exists()
