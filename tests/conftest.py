"""The fixed cast. Alice (social worker) owns the case; Carl coordinates; Petra (police), Sara
(school) and Leo (leisure) are on the team; Olle is a social worker who is not; Audrey audits and
Adam administers. Everyone authenticates with a real bearer token.

And the helpers more than one folder uses: case URLs, opening cases in bulk, reading the raw database.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from cases import services
from cases.models import Agency, AgencyKind, Case, Role, Track
from tests.contract import ConformingClient
from tests.factories import personal_number_for_age

PASSWORD = "correct horse battery staple"


@pytest.fixture
def agencies(db: Any) -> dict[str, Agency]:
    return {
        AgencyKind.SOCIAL_SERVICES: Agency.objects.create(name="Socialtjänsten", kind=AgencyKind.SOCIAL_SERVICES),
        AgencyKind.POLICE: Agency.objects.create(name="Polisen", kind=AgencyKind.POLICE),
        AgencyKind.SCHOOL: Agency.objects.create(name="Skolan", kind=AgencyKind.SCHOOL),
        AgencyKind.LEISURE: Agency.objects.create(name="Fritidsgården", kind=AgencyKind.LEISURE),
    }


def _staff(agencies: dict[str, Agency], username: str, role: str, kind: str | None) -> Any:
    user = services.staff_create(
        username=username, password=PASSWORD, role=role, agency=agencies[kind] if kind else None
    )
    return established(user)


def established(user: Any) -> Any:
    """A year-old account, past EMERGENCY_ACCESS_NEW_ACCOUNT_DAYS, as the cast is (new accounts:
    tests/consent/test_emergency_access_new_accounts.py)."""
    get_user_model().objects.filter(pk=user.pk).update(date_joined=timezone.now() - timedelta(days=365))
    user.refresh_from_db(fields=["date_joined"])
    return user


@pytest.fixture
def alice(agencies: dict[str, Agency]) -> Any:
    return _staff(agencies, "alice", Role.SOCIAL_WORKER, AgencyKind.SOCIAL_SERVICES)


@pytest.fixture
def carl(agencies: dict[str, Agency]) -> Any:
    return _staff(agencies, "carl", Role.COORDINATOR, AgencyKind.SOCIAL_SERVICES)


@pytest.fixture
def petra(agencies: dict[str, Agency]) -> Any:
    return _staff(agencies, "petra", Role.POLICE, AgencyKind.POLICE)


@pytest.fixture
def sara(agencies: dict[str, Agency]) -> Any:
    return _staff(agencies, "sara", Role.SCHOOL, AgencyKind.SCHOOL)


@pytest.fixture
def leo(agencies: dict[str, Agency]) -> Any:
    return _staff(agencies, "leo", Role.LEISURE, AgencyKind.LEISURE)


@pytest.fixture
def olle(agencies: dict[str, Agency]) -> Any:
    return _staff(agencies, "olle", Role.SOCIAL_WORKER, AgencyKind.SOCIAL_SERVICES)


@pytest.fixture
def audrey(agencies: dict[str, Agency]) -> Any:
    return _staff(agencies, "audrey", Role.AUDITOR, None)


@pytest.fixture
def adam(agencies: dict[str, Agency]) -> Any:
    user = _staff(agencies, "adam", Role.ADMIN, None)
    user.is_staff = True
    user.is_superuser = True  # a superuser still gets no case content through the API
    user.save()
    return user


YOUTH = {"given_name": "Kim", "family_name": "Exempelsson", "address": "Provgatan 1, Strängnäs"}


@pytest.fixture
def case(alice: Any, carl: Any, petra: Any, sara: Any, leo: Any) -> Case:
    """An open SSPF case owned by Alice with the whole team on it."""
    opened = services.case_open(
        actor=alice,
        track=Track.SSPF,
        youth={**YOUTH, "personal_number": personal_number_for_age(14, serial=101)},
        guardians=[{"name": "Maria Exempelsson", "phone": "070-123 45 67"}],
        district="Centrum",
        summary="Orosanmälan från skolan om frånvaro.",
    )
    for member in (carl, petra, sara, leo):
        services.case_member_add(actor=alice, case=opened, username=member.username)
    return opened


@pytest.fixture
def linkoping_case(alice: Any, carl: Any, petra: Any, sara: Any, leo: Any) -> Case:
    """An open Linköpingsmodellen case about a 16-year-old, owned by Alice, with the same team
    (at 16 sharing needs the youth's own consent besides the guardian's)."""
    opened = services.case_open(
        actor=alice,
        track=Track.LINKOPING,
        youth={**YOUTH, "personal_number": personal_number_for_age(16, serial=161)},
        guardians=[{"name": "Maria Exempelsson", "phone": "070-123 45 67"}],
        district="Centrum",
        summary="Tips om misstänkt narkotikakontakt.",
    )
    for member in (carl, petra, sara, leo):
        services.case_member_add(actor=alice, case=opened, username=member.username)
    return opened


@pytest.fixture
def client_for() -> Callable[[Any], APIClient]:
    def make(user: Any) -> APIClient:
        client = ConformingClient()  # every answer checked against the OpenAPI schema
        if user is not None:
            _instance, token = AuthToken.objects.create(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        return client

    return make


def case_url(case: Case | str, suffix: str = "") -> str:
    case_id = case.pk if isinstance(case, Case) else case
    return f"/api/v1/cases/{case_id}/{suffix}"


def open_cases(actor: Any, count: int, *, track: str = Track.SSPF, district: str = "Centrum") -> list[Any]:
    age = 16 if track == Track.LINKOPING else 13
    return [
        services.case_open(
            actor=actor,
            track=track,
            youth={**YOUTH, "personal_number": personal_number_for_age(age, serial=500 + n)},
            district=district,
        )
        for n in range(count)
    ]


def all_text_in_database() -> str:
    """Every text and binary value of every table, as one string (a poor man's dump)."""
    chunks: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - table names from introspection
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        chunks.append(bytes(value).decode("latin-1"))
                    elif value is not None:
                        chunks.append(str(value))
    return "\n".join(chunks)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Print the authorization matrix's size; workers report it through user_properties."""
    cells = 0
    for outcome in ("passed", "failed"):
        for report in terminalreporter.stats.get(outcome, []):
            cells += dict(getattr(report, "user_properties", [])).get("matrix_cells", 0)
    if cells:
        terminalreporter.write_line(f"authorization matrix: {cells} cells checked")
