"""Rules of issue 13 that the mutation run (scripts/mutate.py) found unguarded: each test here
fails when the rule it names is removed or weakened. Consent as the law reads it: kinds resolved
to the team's agencies, the police linking only under a consent naming them, the custodians
(every one, each giving the same), why a pending consent shares nothing, and the signed form (at
most the limit, no PDF hidden in an image, verified by social services only)."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone
from PIL import Image, PngImagePlugin

from cases import services
from cases.models import Agency, AgencyKind, Guardian, PoliceLink, Role, Track
from cases.querysets import bulk_writes_allowed
from consent.models import Consent, ConsentEvidence
from consent.services import MSG_KIND_NOT_ON_TEAM
from tests.conftest import PASSWORD, YOUTH, case_url
from tests.consent.helpers import PDF, give, guardian_of, verify
from tests.factories import personal_number_for_age

pytestmark = pytest.mark.django_db


def consent_body(case: Any, **fields: Any) -> dict[str, Any]:
    now = timezone.now()
    return {
        "giver": "guardian",
        "guardian": str(guardian_of(case).pk),
        "categories": ["identity"],
        "valid_from": now.isoformat(),
        "valid_until": (now + timedelta(days=30)).isoformat(),
        "method": "oral",
        **fields,
    }


def statuses(client: Any, case: Any) -> dict[str, tuple[str, str | None]]:
    """Each consent's id → (status, pending reason code), as social services read them."""
    rows = client.get(case_url(case, "consents/")).json()
    return {c["id"]: (c["status"], (c["pending_reason"] or {}).get("code")) for c in rows}


# --- named parties -------------------------------------------------------------------------------


def test_a_kind_with_no_agency_on_the_team_is_refused_beside_one_that_has(
    case: Any, alice: Any, client_for: Any
) -> None:
    services.case_member_remove(actor=alice, case=case, username="leo")  # no leisure on the team now

    response = client_for(alice).post(case_url(case, "consents/"), consent_body(case, agencies=["school", "leisure"]))

    assert response.status_code == 400
    assert response.json() == {"agencies": [str(MSG_KIND_NOT_ON_TEAM.format(kind=AgencyKind.LEISURE.label.lower()))]}
    assert not Consent.objects.exists()


def test_a_kind_names_the_schools_on_the_team_not_every_school(case: Any, alice: Any, client_for: Any) -> None:
    other = Agency.objects.create(name="Tosteröskolan", kind=AgencyKind.SCHOOL)
    sven = services.staff_create(username="sven", password=PASSWORD, role=Role.SCHOOL, agency=other)

    recorded = client_for(alice).post(case_url(case, "consents/"), consent_body(case, agencies=["school"]))
    services.case_member_add(actor=alice, case=case, username="sven")  # joins after the consent
    seen = client_for(sven).get(case_url(case))

    assert recorded.status_code == 201
    assert {p["name"] for p in recorded.json()["parties"]} == {"Socialtjänsten", "Skolan"}
    assert seen.status_code == 403
    assert seen.json()["code"] == "consent_required"


def test_the_police_cannot_link_under_a_consent_that_names_only_the_school(
    case: Any, alice: Any, petra: Any, agencies: Any, client_for: Any
) -> None:
    give(alice, case, guardian=guardian_of(case), parties=[agencies[AgencyKind.SCHOOL]])

    response = client_for(petra).post(case_url(case, "police-links/"), {"reference": "5000-K123456-26"})

    assert response.status_code == 403
    assert response.json()["code"] == "consent_required"
    assert not PoliceLink.objects.exists()


# --- custodians and why a consent is pending -----------------------------------------------------


def test_custodians_consenting_to_different_agencies_share_nothing_and_each_waits_for_the_other(
    case: Any, alice: Any, petra: Any, sara: Any, agencies: Any, client_for: Any
) -> None:
    mother = guardian_of(case)
    father = services.guardian_add(actor=alice, case=case, data={"name": "Jonas Exempelsson"})
    give(alice, case, guardian=mother, parties=[agencies[AgencyKind.POLICE]], categories=["identity"])
    give(alice, case, guardian=father, parties=[agencies[AgencyKind.SCHOOL]], categories=["identity"])

    assert client_for(petra).get(case_url(case)).status_code == 403
    assert client_for(sara).get(case_url(case)).status_code == 403
    assert set(statuses(client_for(alice), case).values()) == {("pending", "custodian_consent_missing")}


def test_a_youths_own_consent_under_15_is_pending_and_says_so(
    case: Any, alice: Any, petra: Any, agencies: Any, client_for: Any
) -> None:
    give(alice, case, parties=[agencies[AgencyKind.POLICE]], categories=["identity"])  # the youth, aged 14

    (consent,) = client_for(alice).get(case_url(case, "consents/")).json()

    assert (consent["status"], consent["pending_reason"]["code"]) == ("pending", "youth_under_age")
    assert "15" in consent["pending_reason"]["message"]
    assert client_for(petra).get(case_url(case)).status_code == 403


def test_the_consent_of_a_guardian_who_is_no_longer_a_custodian_counts_for_nothing_and_says_so(
    case: Any, alice: Any, petra: Any, agencies: Any, client_for: Any
) -> None:
    mother = guardian_of(case)
    father = services.guardian_add(actor=alice, case=case, data={"name": "Jonas Exempelsson"})
    police = [agencies[AgencyKind.POLICE]]
    mothers = give(alice, case, guardian=mother, parties=police, categories=["identity"])
    fathers = give(alice, case, guardian=father, parties=police, categories=["identity"])
    # A court decision moves custody to the mother alone; no API path changes a registered
    # guardian's custody (the administration corrects it), so the row is written directly.
    with bulk_writes_allowed():
        Guardian.objects.filter(pk=father.pk).update(custodian=False)

    assert statuses(client_for(alice), case) == {
        str(mothers.pk): ("active", None),
        str(fathers.pk): ("pending", "not_custodian"),
    }
    assert client_for(petra).get(case_url(case)).json()["categories"] == ["identity"]


def test_from_15_the_missing_custodian_is_named_when_the_youth_has_consented(
    alice: Any, petra: Any, agencies: Any, client_for: Any
) -> None:
    case = services.case_open(
        actor=alice,
        track=Track.SSPF,
        youth={**YOUTH, "personal_number": personal_number_for_age(16, serial=461)},
        guardians=[{"name": "Mamma"}, {"name": "Pappa"}],
        district="Centrum",
        custody="joint",
    )
    services.case_member_add(actor=alice, case=case, username=petra.username)
    mother, father = sorted(Guardian.objects.filter(case=case), key=lambda g: g.name)  # Mamma, Pappa
    police = [agencies[AgencyKind.POLICE]]
    give(alice, case, parties=police, categories=["identity"])  # the youth
    give(alice, case, guardian=mother, parties=police, categories=["identity"])

    waiting = statuses(client_for(alice), case)
    before = client_for(petra).get(case_url(case)).status_code
    give(alice, case, guardian=father, parties=police, categories=["identity"])

    assert set(waiting.values()) == {("pending", "custodian_consent_missing")}
    assert before == 403
    assert set(statuses(client_for(alice), case).values()) == {("active", None)}
    assert client_for(petra).get(case_url(case)).status_code == 200


def test_a_consent_without_its_verified_form_says_so_before_naming_a_missing_custodian(
    case: Any, alice: Any, agencies: Any, client_for: Any
) -> None:
    mother = guardian_of(case)
    services.guardian_add(actor=alice, case=case, data={"name": "Jonas Exempelsson"})  # has not consented
    police = [agencies[AgencyKind.POLICE]]
    consent = give(alice, case, guardian=mother, parties=police, categories=["notes"], verified=False)

    assert statuses(client_for(alice), case) == {str(consent.pk): ("pending", "evidence_unverified")}


def test_when_both_custodians_consented_the_other_custodians_unverified_form_is_what_is_missing(
    case: Any, alice: Any, petra: Any, agencies: Any, client_for: Any
) -> None:
    mother = guardian_of(case)
    father = services.guardian_add(actor=alice, case=case, data={"name": "Jonas Exempelsson"})
    police = [agencies[AgencyKind.POLICE]]
    services.note_add(actor=alice, case=case, category="notes", text="Delas när båda blanketterna är granskade")
    mothers = give(alice, case, guardian=mother, parties=police, categories=["notes"])
    fathers = give(alice, case, guardian=father, parties=police, categories=["notes"], verified=False)

    waiting = statuses(client_for(alice), case)
    before = client_for(petra).get(case_url(case, "notes/")).content.decode()
    verify(alice, fathers)

    assert waiting == {
        str(mothers.pk): ("pending", "evidence_unverified"),  # her form is verified; his is what is missing
        str(fathers.pk): ("pending", "evidence_unverified"),
    }
    assert "Delas när båda blanketterna är granskade" not in before
    assert set(statuses(client_for(alice), case).values()) == {("active", None)}
    assert (
        "Delas när båda blanketterna är granskade" in client_for(petra).get(case_url(case, "notes/")).content.decode()
    )


# --- the signed form -------------------------------------------------------------------------------


@pytest.fixture
def unverified(case: Any, alice: Any) -> Consent:
    """A written consent to the whole team for notes, its form not yet uploaded."""
    return give(alice, case, guardian=guardian_of(case), categories=["notes"], verified=False)


def upload(client: Any, consent: Any, data: bytes) -> Any:
    return client.post(
        f"/api/v1/consents/{consent.pk}/evidence/",
        {"file": SimpleUploadedFile("samtycke.pdf", data, content_type="application/pdf")},
        format="multipart",
    )


@override_settings(CONSENT_EVIDENCE_MAX_BYTES=2048)
def test_a_form_of_exactly_the_limit_is_accepted(unverified: Any, alice: Any, client_for: Any) -> None:
    padding = b"%" + b"x" * (2048 - len(PDF) - 2) + b"\n"
    exactly = PDF.replace(b"%%EOF", padding + b"%%EOF")
    assert len(exactly) == 2048

    response = upload(client_for(alice), unverified, exactly)

    assert response.status_code == 201
    assert response.json()["size"] == 2048


@pytest.mark.parametrize("member", ["petra", "sara"])
def test_only_social_services_verify_the_form(
    unverified: Any, alice: Any, member: str, request: pytest.FixtureRequest, client_for: Any
) -> None:
    upload(client_for(alice), unverified, PDF)

    response = client_for(request.getfixturevalue(member)).post(f"/api/v1/consents/{unverified.pk}/verify/")

    assert response.status_code == 403
    assert ConsentEvidence.objects.get(consent=unverified).verified_at is None


def scan_with_a_pdf_header_inside(format: str) -> bytes:
    """A real image that decodes whole, with a PDF header in its first KiB (in a JPEG comment or
    a PNG text chunk): a polyglot that PDF readers would open as a PDF."""
    buffer = io.BytesIO()
    image = Image.new("L", (40, 60), color=200)
    if format == "JPEG":
        image.save(buffer, format="JPEG", comment=b"%PDF-1.4 1 0 obj << >> endobj")
    else:
        text = PngImagePlugin.PngInfo()
        text.add_text("Comment", "%PDF-1.4 1 0 obj << >> endobj")
        image.save(buffer, format="PNG", pnginfo=text)
    data = buffer.getvalue()
    assert b"%PDF" in data[:1024]
    with Image.open(io.BytesIO(data)) as decoded:
        decoded.load()  # a whole, valid image
    return data


@pytest.mark.parametrize("format", ["JPEG", "PNG"])
def test_an_image_with_a_pdf_inside_is_refused(unverified: Any, alice: Any, client_for: Any, format: str) -> None:
    response = upload(client_for(alice), unverified, scan_with_a_pdf_header_inside(format))

    assert response.status_code == 400
    assert list(response.json()) == ["file"]
    assert not ConsentEvidence.objects.exists()
