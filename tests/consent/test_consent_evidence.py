"""The signed consent form: uploaded (recognised by content, at most the limit, never on disk,
sealed under the case's key), verified by a second social-services member, downloadable by social
services on the team (audited). Notes and visits are shared only once the form is verified."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from PIL import Image

from audit.models import AuditEntry, AuditEvent
from cases import crypto, services
from cases.keys import case_key_shred
from cases.models import Case
from consent.evidence import evidence_open
from consent.models import Consent, ConsentEvidence
from tests.conftest import all_text_in_database, case_url
from tests.consent.helpers import PDF, give, guardian_of

pytestmark = pytest.mark.django_db

MARKED_PDF = PDF.replace(b"/Type /Catalog", b"/Type /Catalog /Title (UNDERSKRIFT-MARIA-EXEMPELSSON)")


def image(format: str) -> bytes:
    """A small real scan in ``format`` (JPEG or PNG)."""
    buffer = io.BytesIO()
    Image.new("L", (40, 60), color=200).save(buffer, format=format)
    return buffer.getvalue()


JPEG, PNG = image("JPEG"), image("PNG")


def upload(
    client: Any, consent: Any, data: bytes, name: str = "samtycke.pdf", content_type: str = "application/pdf"
) -> Any:
    return client.post(
        f"/api/v1/consents/{consent.pk}/evidence/",
        {"file": SimpleUploadedFile(name, data, content_type=content_type)},
        format="multipart",
    )


@pytest.fixture
def consent(case: Any, alice: Any) -> Any:
    """A written consent to the whole team for notes, its form not yet uploaded."""
    return give(alice, case, guardian=guardian_of(case), categories=["notes"], verified=False)


def test_notes_are_shared_only_once_a_second_social_worker_has_verified_the_form(
    case: Any, consent: Any, alice: Any, carl: Any, sara: Any, client_for: Any
) -> None:
    services.note_add(actor=alice, case=case, category="notes", text="Delas efter granskning")

    before = client_for(sara).get(case_url(case, "notes/")).content.decode()
    uploaded = upload(client_for(alice), consent, MARKED_PDF)
    pending = client_for(alice).get(case_url(case, "consents/")).json()[0]
    own = client_for(alice).post(f"/api/v1/consents/{consent.pk}/verify/")
    verified = client_for(carl).post(f"/api/v1/consents/{consent.pk}/verify/")
    after = client_for(sara).get(case_url(case, "notes/")).content.decode()

    assert "Delas efter granskning" not in before
    assert uploaded.status_code == 201
    assert uploaded.json()["sha256"] == hashlib.sha256(MARKED_PDF).hexdigest()
    assert (uploaded.json()["size"], uploaded.json()["content_type"]) == (len(MARKED_PDF), "application/pdf")
    assert (pending["status"], pending["pending_reason"]["code"]) == ("pending", "evidence_unverified")
    assert pending["evidence"]["verified_by"] is None
    assert own.status_code == 403  # four eyes: the uploader cannot verify
    assert verified.status_code == 200
    assert verified.json()["verified_by"] == "carl"
    assert "Delas efter granskning" in after
    assert client_for(alice).get(case_url(case, "consents/")).json()[0]["status"] == "active"


def test_identity_needs_no_form_by_default(case: Any, alice: Any, sara: Any, client_for: Any) -> None:
    give(alice, case, guardian=guardian_of(case), categories=["identity"], verified=False)

    assert client_for(sara).get(case_url(case)).status_code == 200


@override_settings(CONSENT_EVIDENCE_REQUIRED_FOR=frozenset({"identity"}))
def test_which_categories_need_the_form_is_a_setting(case: Any, alice: Any, sara: Any, client_for: Any) -> None:
    give(alice, case, guardian=guardian_of(case), categories=["identity"], verified=False)

    assert client_for(sara).get(case_url(case)).status_code == 403


@pytest.mark.parametrize("data,content_type", [(JPEG, "image/jpeg"), (PNG, "image/png")])
def test_scans_as_images_are_accepted_by_their_content(
    consent: Any, alice: Any, client_for: Any, data: bytes, content_type: str
) -> None:
    response = upload(client_for(alice), consent, data, name="scan.bin", content_type="application/octet-stream")

    assert response.status_code == 201
    assert response.json()["content_type"] == content_type


@pytest.mark.parametrize(
    "data",
    [
        b"Detta ar ingen PDF",
        b"<html><script>alert(1)</script></html>",
        b"MZ\x90\x00" + b"\x00" * 60,  # an executable named .pdf
        PDF[:-8],  # a truncated PDF
        b"\xff\xd8\xff<html><script>alert(1)</script></html>",  # a JPEG magic number, then a script
        b"\xff\xd8\xff\xe0" + PDF,  # a PDF behind a JPEG header (readers find %PDF in the first KiB)
        b"\x89PNG\r\n\x1a\nMZ\x90\x00" + b"\x00" * 60,  # a PNG signature, then an executable
    ],
)
def test_anything_else_is_refused_whatever_its_name(consent: Any, alice: Any, client_for: Any, data: bytes) -> None:
    response = upload(client_for(alice), consent, data)

    assert response.status_code == 400
    assert list(response.json()) == ["file"]
    assert not ConsentEvidence.objects.exists()


def test_a_missing_file_is_named(consent: Any, alice: Any, client_for: Any) -> None:
    response = client_for(alice).post(f"/api/v1/consents/{consent.pk}/evidence/", {}, format="multipart")

    assert response.status_code == 400
    assert list(response.json()) == ["file"]


@override_settings(CONSENT_EVIDENCE_MAX_BYTES=2048)
def test_a_file_over_the_limit_is_413_with_the_reason(consent: Any, alice: Any, client_for: Any) -> None:
    big = PDF.replace(b"%%EOF", b"%" + b"x" * 4096 + b"\n%%EOF")

    response = upload(client_for(alice), consent, big)

    assert response.status_code == 413
    assert response.json()["code"] == "file_too_large"
    assert not ConsentEvidence.objects.exists()


def test_the_upload_never_touches_the_disk(
    consent: Any, alice: Any, client_for: Any, tmp_path: Path, settings: Any
) -> None:
    # Django would spill anything over this to a temporary file in FILE_UPLOAD_TEMP_DIR.
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 16
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)

    response = upload(client_for(alice), consent, MARKED_PDF)

    assert response.status_code == 201
    assert list(tmp_path.iterdir()) == []


def test_the_database_holds_no_readable_copy(consent: Any, alice: Any, client_for: Any) -> None:
    upload(client_for(alice), consent, MARKED_PDF)

    assert "UNDERSKRIFT-MARIA-EXEMPELSSON" not in all_text_in_database()


def test_social_services_on_the_team_download_it_and_the_read_is_audited(
    case: Any, consent: Any, alice: Any, carl: Any, sara: Any, client_for: Any
) -> None:
    upload(client_for(alice), consent, MARKED_PDF)

    response = client_for(carl).get(f"/api/v1/consents/{consent.pk}/evidence/")

    assert response.status_code == 200
    assert response.content == MARKED_PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="consent-{consent.pk}.pdf"'
    assert "no-store" in response["Cache-Control"]
    shown = AuditEntry.objects.filter(event=AuditEvent.ACCESS, case_ref=case.pk, actor_username="carl")
    assert ["consent_evidence"] in [entry.fields_shown for entry in shown]
    assert client_for(sara).get(f"/api/v1/consents/{consent.pk}/evidence/").status_code == 403


def test_an_oral_consent_has_no_form(case: Any, alice: Any, client_for: Any) -> None:

    consent = give(alice, case, guardian=guardian_of(case), categories=["identity"], verified=False)
    Consent.objects.filter(pk=consent.pk)  # written by the helper; record an oral one instead
    oral = (
        client_for(alice)
        .post(
            case_url(case, "consents/"),
            {
                "giver": "guardian",
                "guardian": str(guardian_of(case).pk),
                "agencies": ["school"],
                "categories": ["identity"],
                "valid_from": consent.valid_from.isoformat(),
                "valid_until": consent.valid_until.isoformat(),
                "method": "oral",
            },
            format="json",
        )
        .json()
    )

    response = upload(client_for(alice), Consent.objects.get(pk=oral["id"]), PDF)

    assert response.status_code == 409
    assert response.json()["code"] == "oral_consent"


def test_the_form_can_be_replaced_until_it_is_verified(consent: Any, alice: Any, carl: Any, client_for: Any) -> None:
    upload(client_for(alice), consent, PDF)
    replaced = upload(client_for(alice), consent, MARKED_PDF)
    client_for(carl).post(f"/api/v1/consents/{consent.pk}/verify/")
    again = upload(client_for(alice), consent, PDF)
    twice = client_for(carl).post(f"/api/v1/consents/{consent.pk}/verify/")

    assert replaced.status_code == 201
    assert replaced.json()["sha256"] == hashlib.sha256(MARKED_PDF).hexdigest()
    assert again.status_code == 409
    assert again.json()["code"] == "evidence_verified"
    assert twice.status_code == 409
    assert ConsentEvidence.objects.get().sha256 == hashlib.sha256(MARKED_PDF).hexdigest()


def test_verifying_with_no_form_is_a_conflict(consent: Any, carl: Any, client_for: Any) -> None:
    response = client_for(carl).post(f"/api/v1/consents/{consent.pk}/verify/")

    assert response.status_code == 409
    assert response.json()["code"] == "no_evidence"


def test_a_shredded_cases_form_is_unreadable_in_an_old_backup(
    case: Any, consent: Any, alice: Any, client_for: Any
) -> None:
    upload(client_for(alice), consent, MARKED_PDF)
    backup = ConsentEvidence.objects.get()  # the row as a backup taken now holds it

    case_key_shred(case=Case.objects.get(pk=case.pk))

    backup.case = Case.objects.get(pk=case.pk)
    with pytest.raises(crypto.DecryptionError):
        evidence_open(backup)


def test_the_upload_and_the_verification_are_audited_under_the_case(
    case: Any, consent: Any, alice: Any, carl: Any, client_for: Any
) -> None:
    upload(client_for(alice), consent, MARKED_PDF)
    client_for(carl).post(f"/api/v1/consents/{consent.pk}/verify/")

    entries = AuditEntry.objects.filter(object_pk=str(consent.pk), case_ref=case.pk).order_by("id")
    assert [(e.actor_username, e.event) for e in entries if e.object_repr.startswith("evidence")] == [
        ("alice", AuditEvent.CREATE),
        ("carl", AuditEvent.UPDATE),
    ]
    assert all("sealed" not in (e.changed_fields or []) for e in entries)


def test_emergency_access_neither_uploads_nor_verifies_the_form(
    case: Any, consent: Any, alice: Any, olle: Any, client_for: Any
) -> None:
    from consent import services as consent_services

    upload(client_for(alice), consent, MARKED_PDF)
    consent_services.emergency_access_open(actor=olle, case=case, reason="Akut läge, ingen i teamet nås")

    assert client_for(olle).post(f"/api/v1/consents/{consent.pk}/verify/").status_code == 403
    assert upload(client_for(olle), consent, PDF).status_code == 403
    assert ConsentEvidence.objects.get().verified_at is None


def test_the_verifier_confirms_the_form_they_read_not_one_swapped_in_since(
    consent: Any, alice: Any, carl: Any, client_for: Any
) -> None:
    upload(client_for(alice), consent, MARKED_PDF)
    read = hashlib.sha256(client_for(carl).get(f"/api/v1/consents/{consent.pk}/evidence/").content).hexdigest()
    upload(client_for(alice), consent, PDF)  # swapped before carl verifies

    stale = client_for(carl).post(f"/api/v1/consents/{consent.pk}/verify/", {"sha256": read}, format="json")
    current = client_for(carl).post(
        f"/api/v1/consents/{consent.pk}/verify/", {"sha256": hashlib.sha256(PDF).hexdigest()}, format="json"
    )

    assert stale.status_code == 409
    assert stale.json()["code"] == "evidence_changed"
    assert current.status_code == 200
