"""The web UI's pages on the server side: signing in and enrolling, the lockout, forms that keep
what was typed, emergency access with its banner, htmx's partial, the scan upload, the session
limits and the headers. What a person sees, asserted in Swedish."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from accounts.models import SealedTOTPDevice
from accounts.services import device_bootstrap, enrolment_code_issue
from cases import services
from consent import services as consent_services
from consent.models import ConsentEvidence
from tests.conftest import PASSWORD
from tests.consent.helpers import PDF
from tests.web.conftest import code_for

pytestmark = pytest.mark.django_db


def page_text(response: Any) -> str:
    return response.content.decode()


def test_sign_in_with_a_wrong_code_keeps_the_username_never_the_password(alice: Any) -> None:
    device_bootstrap(user=alice)
    response = Client().post("/login/", {"username": "alice", "password": PASSWORD, "otp": "000000"})

    assert response.status_code == 400
    html = page_text(response)
    assert "Användarnamnet, lösenordet eller koden är fel." in html
    assert 'value="alice"' in html
    assert PASSWORD not in html


@override_settings(AXES_FAILURE_LIMIT=2)
def test_the_lockout_is_said_in_swedish(alice: Any) -> None:
    device = device_bootstrap(user=alice)
    client = Client()
    client.post("/login/", {"username": "alice", "password": "fel lösenord!", "otp": "000000"})
    locked = client.post("/login/", {"username": "alice", "password": "fel lösenord!", "otp": "000000"})
    right = client.post("/login/", {"username": "alice", "password": PASSWORD, "otp": code_for(device)})

    for response in (locked, right):
        assert response.status_code == 429
        assert "För många misslyckade försök. Vänta en stund och försök igen." in page_text(response)
    assert "_auth_user_id" not in client.session


def test_first_sign_in_enrols_an_authenticator_from_a_qr_code(alice: Any, adam: Any) -> None:
    code = enrolment_code_issue(user=alice, grant=None, issued_to=adam)
    client = Client()
    started = client.post("/enrol/", {"username": "alice", "password": PASSWORD, "enrolment_code": code}, follow=True)
    html = page_text(started)
    assert started.status_code == 200
    assert "<svg" in html and "QR-kod för autentiseringsappen" in html
    assert code not in html and PASSWORD not in html
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', html)
    assert secret is not None
    device = SealedTOTPDevice.objects.get(user=alice, confirmed=False)

    wrong = client.post("/enrol/confirm/", {"otp": "000000", "new_password": "n", "new_password_again": "x"})
    assert wrong.status_code == 400
    assert "De två nya lösenorden är olika." in page_text(wrong)

    finished = client.post(
        "/enrol/confirm/",
        {
            "otp": code_for(device),
            "new_password": "ett helt nytt lösenord 7",
            "new_password_again": "ett helt nytt lösenord 7",
        },
    )
    assert finished.status_code == 302 and finished["Location"] == "/login/?enrolled=1"
    device.refresh_from_db()
    assert device.confirmed
    # The code is spent: the first step refuses it now.
    again = Client().post(
        "/enrol/", {"username": "alice", "password": "ett helt nytt lösenord 7", "enrolment_code": code}
    )
    assert again.status_code == 400
    assert "engångskod" in page_text(again) or "registreringskod" in page_text(again).lower()


def test_a_refused_form_comes_back_filled_with_the_error_by_its_field(alice: Any, browser_for: Any) -> None:
    response = browser_for(alice).post(
        "/cases/new/",
        {
            "track": "sspf",
            "district": "Centrum",
            "youth_personal_number": "19121212-1213",
            "youth_given_name": "Nova",
            "youth_family_name": "Formulärsson",
            "custody": "unknown",
        },
    )

    assert response.status_code == 400
    html = page_text(response)
    assert 'value="Nova"' in html and 'value="Formulärsson"' in html
    field = html[html.index('id="id_youth_personal_number"') - 2000 : html.index('id="id_youth_personal_number"')]
    assert "errorlist" in field  # the personal number's own error, beside it
    messages = " ".join(re.findall(r'<ul class="errorlist"[^>]*>(.*?)</ul>', html, re.S))
    assert messages and "19121212-1213" not in messages  # kept in its box, never repeated in a message
    assert 'value="19121212-1213"' in html


def test_emergency_access_opens_the_case_and_a_banner_runs_on_every_page(
    case: Any, olle: Any, browser_for: Any
) -> None:
    browser = browser_for(olle)
    assert browser.get(f"/cases/{case.pk}/").status_code == 404
    short = browser.post("/emergency/", {"number": case.number, "reason": "kort"})
    assert short.status_code == 400

    opened = browser.post("/emergency/", {"number": case.number, "reason": "Ungdomen hittad ensam på natten, jour."})

    assert opened.status_code == 302 and opened["Location"] == f"/cases/{case.pk}/"
    assert "Kim Exempelsson" in page_text(browser.get(f"/cases/{case.pk}/"))
    start = page_text(browser.get("/start/"))
    assert f"Nödåtkomst till {case.number} pågår" in start


def test_marking_an_item_done_with_htmx_answers_the_item_alone(case: Any, alice: Any, browser_for: Any) -> None:
    meeting = services.meeting_record(
        actor=alice,
        case=case,
        held_at=timezone.now(),
        actions=[{"agency": "school", "responsible": "M", "action": "Plan"}],
    )
    item = meeting.actions.get()
    response = browser_for(alice).post(
        f"/cases/{case.pk}/meetings/{meeting.pk}/actions/{item.pk}/done/", HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    html = page_text(response)
    assert html.strip().startswith(f'<li id="action-{item.pk}">') and "klar" in html
    assert "<html" not in html


def test_a_consent_with_its_scan_and_a_scan_over_the_limit(
    case: Any, alice: Any, agencies: Any, browser_for: Any
) -> None:
    from io import BytesIO

    browser = browser_for(alice)
    start = timezone.localtime() - timedelta(minutes=1)
    form = {
        "giver": f"guardian:{case.guardians.get().pk}",
        "parties": [str(agencies["school"].pk)],
        "categories": ["identity", "notes"],
        "valid_from": start.strftime("%Y-%m-%dT%H:%M"),
        "valid_until": (start + timedelta(days=90)).strftime("%Y-%m-%dT%H:%M"),
        "method": "written",
    }
    scan = BytesIO(PDF)
    scan.name = "samtycke.pdf"
    recorded = browser.post(f"/cases/{case.pk}/consents/new/", {**form, "scan": scan})
    assert recorded.status_code == 302
    assert ConsentEvidence.objects.filter(consent__case=case).count() == 1

    with override_settings(CONSENT_EVIDENCE_MAX_BYTES=1024):
        big = BytesIO(PDF + b"0" * 4096)
        big.name = "stor.pdf"
        refused = browser.post(f"/cases/{case.pk}/consents/new/", {**form, "scan": big})
    assert refused.status_code == 400
    assert ConsentEvidence.objects.filter(consent__case=case).count() == 1


def test_a_session_ends_after_the_absolute_limit(alice: Any, browser_for: Any) -> None:
    browser = browser_for(alice)
    session = browser.session
    session["web_signed_in_at"] = int(time.time()) - 13 * 3600
    session.save()

    response = browser.get("/start/")

    assert response.status_code == 302 and response["Location"] == "/login/?ended=1"
    assert browser.get("/start/").status_code == 302  # signed out for good


def test_pages_forbid_framing_inline_script_and_caching(alice: Any, browser_for: Any) -> None:
    response = browser_for(alice).get("/start/")
    policy = response["Content-Security-Policy"]
    for directive in ("default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'"):
        assert directive in policy
    assert "unsafe-inline" not in policy
    assert response["Cache-Control"] == "no-store"
    assert "<script>" not in page_text(response) and " style=" not in page_text(response)


def test_the_lookup_posts_the_personal_number_and_finds_the_case(case: Any, alice: Any, browser_for: Any) -> None:
    number = case.youth.personal_number
    response = browser_for(alice).post("/cases/", {"personal_number": number})

    assert response.status_code == 200
    assert f'href="/cases/{case.pk}/"' in page_text(response)
    assert 'method="post" action="/cases/"' in page_text(response)


def test_consent_in_plain_words_for_social_services_and_for_the_school(
    case: Any, alice: Any, sara: Any, agencies: Any, browser_for: Any
) -> None:
    now = timezone.now()
    consent_services.consent_record(
        actor=alice,
        case=case,
        giver="guardian",
        guardian=case.guardians.get().pk,
        parties=[agencies["school"].pk],
        categories=["identity", "meetings"],
        valid_from=now - timedelta(minutes=1),
        valid_until=now + timedelta(days=30),
        method="oral",
    )
    until = timezone.localtime(now + timedelta(days=30)).strftime("%Y-%m-%d")
    # Custody is not confirmed and one guardian registered: the consent waits, and says why.
    worker = page_text(browser_for(alice).get(f"/cases/{case.pk}/"))
    assert f"Delas med Skolan: identitet, möten — t.o.m. {until}" in worker
    services.case_update(actor=alice, case=case, expected_version=case.version, changes={"custody": "sole"})
    teacher = page_text(browser_for(sara).get(f"/cases/{case.pk}/"))
    assert f"Delas med Skolan: identitet, möten — t.o.m. {until}" in teacher
    assert "Andra myndigheters anteckningar visas inte: samtycket omfattar inte dem." in teacher
    assert "Orosanmälan från skolan om frånvaro." not in teacher  # the summary is under notes


def test_the_register_extract_as_a_pdf_holds_this_youth_and_its_readers_only(
    case: Any, alice: Any, sara: Any, browser_for: Any
) -> None:
    from io import BytesIO

    from pypdf import PdfReader

    from audit.models import AuditEntry
    from tests.conftest import YOUTH
    from tests.factories import personal_number_for_age

    services.case_open(
        actor=alice,
        track="sspf",
        youth={
            **YOUTH,
            "given_name": "Annan",
            "family_name": "Ungdomsson",
            "personal_number": personal_number_for_age(13, serial=55),
        },
        district="Centrum",
    )
    worker = browser_for(alice)
    worker.get(f"/cases/{case.pk}/")  # a read, so the access history has an entry by alice
    page = worker.get(f"/cases/{case.pk}/registerutdrag/")
    assert page.status_code == 200 and "Kim Exempelsson" in page.content.decode()

    response = worker.get(f"/cases/{case.pk}/registerutdrag.pdf")

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(BytesIO(response.content))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "Kim" in text and "Exempelsson" in text and "alice" in text
    assert "Annan" not in text and "Ungdomsson" not in text
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert (round(float(width)), round(float(height))) == (595, 842)  # A4 in points
    exports = AuditEntry.objects.filter(event="export", case_ref=case.pk, fields_shown=["subject_report"])
    assert exports.count() == 2  # the page and the PDF
    assert browser_for(sara).get(f"/cases/{case.pk}/registerutdrag.pdf").status_code == 403


def test_the_results_report_suppresses_small_counts_draws_svg_and_freezes_a_past_year(
    case: Any, alice: Any, carl: Any, audrey: Any, sara: Any, browser_for: Any
) -> None:
    from oversight.models import FrozenYear

    coordinator = browser_for(carl)
    year = timezone.localdate().year
    page = coordinator.get(f"/reports/results/?year={year}")
    html = page_text(page)
    assert page.status_code == 200
    assert "<svg" in html and "&lt;5" in html  # one case opened: a small count, suppressed
    assert "Ärenden" in html or "Avslutade ärenden" in html
    csv = b"".join(coordinator.get(f"/reports/results.csv?year={year}").streaming_content).decode()
    assert csv.startswith('"figure","row","column","value"') or csv.startswith("figure")
    assert browser_for(audrey).get(f"/reports/results/?year={year}").status_code == 200
    assert browser_for(sara).get(f"/reports/results/?year={year}").status_code == 403
    # This year has not ended: it cannot be frozen. Last year can, once.
    assert coordinator.post("/reports/results/freeze/", {"year": year}).status_code == 400
    assert coordinator.post("/reports/results/freeze/", {"year": year - 1}).status_code == 302
    assert FrozenYear.objects.filter(year=year - 1).exists()
    assert "Fryst av carl" in page_text(coordinator.get(f"/reports/results/?year={year - 1}"))
    assert coordinator.post("/reports/results/freeze/", {"year": year - 1}).status_code == 400
    assert browser_for(audrey).post("/reports/results/freeze/", {"year": year - 2}).status_code == 403
