"""A client generated from the live schema runs the whole story (issue 18), as an integrator's
would: openapi-python-client turns `/api/schema/` into a typed package in a temporary folder, and
that package alone drives the SSPF and Linköpingsmodellen stories against the live server.

Read it as an example: every call is the generated `sync_detailed(...)`, every answer a typed
model (enums, not strings), and an answer the schema does not describe would raise
(`raise_on_unexpected_status`). PostgreSQL only, as the browser stories (a live server's test
empties the database, which SQLite's append-only triggers refuse).
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from accounts.services import device_bootstrap
from tests.conftest import PASSWORD
from tests.factories import personal_number_for_age
from tests.web.conftest import code_for

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="live-server stories run on PostgreSQL"),
]

BIN = Path(sys.executable).parent
# The signed consent form's download is binary in three media types; the generator takes one.
CONFIG = """content_type_overrides:
  application/pdf: application/octet-stream
  image/jpeg: application/octet-stream
  image/png: application/octet-stream
"""


@pytest.fixture
def api(live_server: Any, tmp_path: Path) -> Iterator[Any]:
    """The generated package, imported as ``sspf_client`` (its modules are reached through it)."""
    (tmp_path / "config.yaml").write_text(CONFIG)
    generated = subprocess.run(  # noqa: S603 - the generator from our own venv, fixed arguments
        [
            str(BIN / "openapi-python-client"),
            "generate",
            "--url",
            f"{live_server.url}/api/schema/",
            "--output-path",
            str(tmp_path / "sspf_client"),
            "--meta",
            "none",
            "--config",
            str(tmp_path / "config.yaml"),
            "--fail-on-warning",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": f"{BIN}:{os.environ.get('PATH', '')}"},
        timeout=120,
    )
    assert generated.returncode == 0, generated.stdout + generated.stderr
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module("sspf_client")
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m == "sspf_client" or m.startswith("sspf_client.")]:
            del sys.modules[name]


def call(api: Any, operation: str, **kwargs: Any) -> Any:
    """``api.api.v1.<operation>.sync_detailed(**kwargs)``: the typed response."""
    return importlib.import_module(f"sspf_client.api.v1.{operation}").sync_detailed(**kwargs)


def signed_in(api: Any, base_url: str, user: Any) -> Any:
    """Log in with the password and a TOTP code; an AuthenticatedClient with the token."""
    models = importlib.import_module("sspf_client.models")
    device = device_bootstrap(user=user)
    anonymous = api.Client(base_url=base_url, raise_on_unexpected_status=True)
    body = models.LoginInputRequest(username=user.username, password=PASSWORD, otp=code_for(device))
    login = call(api, "v1_auth_login_create", client=anonymous, body=body)
    assert login.status_code == 200, login.content
    assert isinstance(login.parsed, models.LoginOutput)
    return api.AuthenticatedClient(base_url=base_url, token=login.parsed.token, raise_on_unexpected_status=True)


def test_a_generated_client_runs_the_sspf_and_linkoping_stories(
    api: Any, live_server: Any, alice: Any, petra: Any, sara: Any, audrey: Any
) -> None:
    m = importlib.import_module("sspf_client.models")
    social_worker = signed_in(api, live_server.url, alice)

    # Social services open an SSPF case for a 13-year-old with both custodians (joint custody).
    opened = call(
        api,
        "v1_cases_create",
        client=social_worker,
        body=m.CaseCreateInputRequest(
            track=m.TrackEnum.SSPF,
            youth=m.YouthInputRequest(
                personal_number=personal_number_for_age(13, serial=811), given_name="Kim", family_name="Exempelsson"
            ),
            guardians=[m.GuardianInputRequest(name="Eva Exempelsson"), m.GuardianInputRequest(name="Per Exempelsson")],
            custody=m.CustodyEnum.JOINT,
            district="Centrum",
        ),
    )
    assert opened.status_code == 201, opened.content
    case = opened.parsed
    assert isinstance(case, m.CaseDetailOutput) and case.status is m.CaseStatusEnum.OPEN

    # The team: the police officer and the teacher.
    for member in ("petra", "sara"):
        added = call(
            api,
            "v1_cases_members_create",
            case_id=case.id,
            client=social_worker,
            body=m.CaseMemberAddInputRequest(member),
        )
        assert added.status_code == 201 and isinstance(added.parsed.role, m.RoleEnum), added.content

    # Both custodians consent, orally, to sharing identity and meetings with the school and the police.
    now = timezone.now()
    consents = []
    for guardian in case.guardians:
        given = call(
            api,
            "v1_cases_consents_create",
            case_id=case.id,
            client=social_worker,
            body=m.ConsentCreateInputRequest(
                giver=m.ConsentCreateInputGiverEnum.GUARDIAN,
                guardian=guardian.id,
                categories=[
                    m.ConsentCreateInputRequestCategoriesItem("identity"),
                    m.ConsentCreateInputRequestCategoriesItem("meetings"),
                ],
                agencies=[
                    m.ConsentCreateInputRequestAgenciesItem("school"),
                    m.ConsentCreateInputRequestAgenciesItem("police"),
                ],
                valid_from=now - timedelta(minutes=1),
                valid_until=now + timedelta(days=180),
                method=m.MethodEnum.ORAL,
            ),
        )
        assert given.status_code == 201, given.content
        consents.append(given.parsed)
    assert consents[-1].status is m.ConsentOutputStatusEnum.ACTIVE

    # The first SSPF meeting, with an action plan.
    meeting = call(
        api,
        "v1_cases_meetings_create",
        case_id=case.id,
        client=social_worker,
        body=m.MeetingCreateInputRequest(
            held_at=now - timedelta(hours=1),
            notes="Uppstartsmöte med familjen.",
            actions=[
                m.ActionInputRequest(agency=m.AgencyKindEnum.SCHOOL, responsible="Mentor", action="Närvarouppföljning")
            ],
        ),
    )
    assert meeting.status_code == 201, meeting.content
    assert meeting.parsed.kind is m.MeetingKindEnum.INITIAL

    # The teacher sees what the consent shares: the youth and the meetings.
    teacher = signed_in(api, live_server.url, sara)
    seen = call(api, "v1_cases_retrieve", case_id=case.id, client=teacher)
    assert seen.status_code == 200 and seen.parsed.youth.given_name == "Kim"
    meetings = call(api, "v1_cases_meetings_list", case_id=case.id, client=teacher)
    assert meetings.status_code == 200 and meetings.parsed.count == 1

    # The police officer reads the case and links the police case.
    police = signed_in(api, live_server.url, petra)
    assert call(api, "v1_cases_retrieve", case_id=case.id, client=police).status_code == 200
    link = call(
        api,
        "v1_cases_police_links_create",
        case_id=case.id,
        client=police,
        body=m.PoliceLinkCreateInputRequest(reference="5000-K123456-26"),
    )
    assert link.status_code == 201, link.content

    # Linköpingsmodellen: a joint home visit by social services and the police, for a 16-year-old.
    linkoping = call(
        api,
        "v1_cases_create",
        client=social_worker,
        body=m.CaseCreateInputRequest(
            track=m.TrackEnum.LINKOPING,
            youth=m.YouthInputRequest(
                personal_number=personal_number_for_age(16, serial=812), given_name="Alex", family_name="Provsson"
            ),
            district="Centrum",
        ),
    ).parsed
    call(
        api,
        "v1_cases_members_create",
        case_id=linkoping.id,
        client=social_worker,
        body=m.CaseMemberAddInputRequest("petra"),
    )
    visit = call(
        api,
        "v1_cases_visits_create",
        case_id=linkoping.id,
        client=social_worker,
        body=m.VisitCreateInputRequest(
            occurred_at=now - timedelta(hours=2),
            participants=["alice", "petra"],
            present=[m.PresentEnum.YOUTH, m.PresentEnum.GUARDIAN],
            basis="Observerad vid känd försäljningsplats",
            notes="Samtalet gick lugnt till.",
            outcome="Familjen tackade ja till stödsamtal",
            informed_voluntary=True,
            screening=m.ScreeningIORequest(offered=True, accepted=True),
        ),
    )
    assert visit.status_code == 201, visit.content
    visits = call(api, "v1_cases_visits_list", case_id=linkoping.id, client=police)
    assert visits.status_code == 200 and visits.parsed.count == 1  # the participant sees it

    # One custodian withdraws: the teacher's next read of the meetings is refused, with a code.
    withdrawn = call(
        api,
        "v1_consents_withdraw_create",
        consent_id=consents[0].id,
        client=social_worker,
        body=m.ConsentWithdrawInputRequest(reason="Vårdnadshavaren återkallade samtycket."),
    )
    assert withdrawn.status_code == 200 and withdrawn.parsed.status is m.ConsentOutputStatusEnum.WITHDRAWN
    refused = call(api, "v1_cases_meetings_list", case_id=case.id, client=teacher)
    assert refused.status_code == 403
    assert isinstance(refused.parsed, m.Error) and refused.parsed.code is m.ErrorCode.CONSENT_REQUIRED

    # The auditor: who read the case, the same as CSV, and the chain verified.
    auditor = signed_in(api, live_server.url, audrey)
    found = call(api, "v1_audit_entries_list", client=auditor, case=case.number)
    assert found.status_code == 200
    readers = {(entry.actor, entry.action) for entry in found.parsed.results}
    assert ("sara", m.ActionEnum.ACCESS) in readers and ("petra", m.ActionEnum.ACCESS) in readers
    csv = call(api, "v1_audit_entries_csv_retrieve", client=auditor, case=case.number)
    assert csv.status_code == 200 and b"sara" in csv.content
    verified = call(api, "v1_audit_verify_retrieve", client=auditor)
    assert verified.status_code == 200, verified.content
