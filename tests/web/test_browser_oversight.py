"""Issue 17's stories in Chromium: an administrator approves another's access grant in the
admin and reads the new user's enrolment address and code; the auditor finds who read a case,
exports the CSV, runs a log check and signs it off; the coordinator reads the results report
with suppressed cells, downloads the CSV and freezes last year; a social worker takes the
registerutdrag as a PDF, whose text is read back. axe-core on every page, no CSP violation,
screenshots in artifacts/screenshots/."""

from __future__ import annotations

import os
from collections.abc import Iterator
from io import BytesIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from accounts.models import AccessGrant
from accounts.services import device_bootstrap, grant_request
from cases import services
from cases.models import Role
from content import case as case_content
from tests.conftest import PASSWORD, YOUTH
from tests.factories import personal_number_for_age
from tests.web.browser import Story, chromium
from tests.web.conftest import code_for
from tests.web.test_browser_stories import done, sign_in

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="browser stories run on PostgreSQL"),
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as running:
        yield running


def test_the_auditor_finds_the_readers_exports_and_signs_a_log_check_off(
    live_server: Any, browser: Any, case: Any, alice: Any, carl: Any, audrey: Any
) -> None:
    case_content.case_detail(reader=carl, case_id=case.pk)
    story = Story(browser, live_server.url, "auditor")
    auditor = sign_in(story, audrey)
    auditor.get_by_role("link", name="Logggranskning").click()
    auditor.wait_for_url("**/audit/")
    story.check(auditor, "log search")
    auditor.get_by_label("Ärendenummer").fill(case.number)
    auditor.get_by_label("Händelse").select_option("access")
    auditor.get_by_role("button", name="Sök").click()
    auditor.wait_for_url("**/audit/?*")
    story.check(auditor, "who read the case")
    html = auditor.content()
    assert f"carl läste identitet, anteckningar i {case.number}" in html
    assert "Exempelsson" not in html  # never case content
    with auditor.expect_download() as download:
        auditor.get_by_role("link", name="Ladda ner som CSV").click()
    csv = open(download.value.path(), encoding="utf-8").read()
    assert csv.startswith('"id","timestamp","actor"') and '"carl"' in csv

    auditor.get_by_role("link", name="Loggkontroller").first.click()
    auditor.wait_for_url("**/audit/reviews/")
    story.check(auditor, "log checks")
    today = timezone.localdate().isoformat()
    auditor.get_by_label("Från (datum)").fill(today)
    auditor.get_by_label("Till och med (datum)").fill(today)
    auditor.get_by_label("Slumpmässigt urval (poster)").fill("3")
    auditor.get_by_role("button", name="Påbörja kontrollen").click()
    auditor.wait_for_url("**/audit/reviews/*/")
    story.check(auditor, "log check items")
    review_url = auditor.url
    assert "Stickprov" in auditor.content()  # why each item is there, in words
    ids = [item.get_attribute("id") for item in auditor.locator("ol.review-items > li.entry").all()]
    assert 3 <= len(ids) <= 40  # the sample and every anomaly of the day
    for item_id in ids:  # a verdict can be changed until the sign-off, so each form stays
        item = auditor.locator(f"#{item_id}")
        item.get_by_label("Befogad", exact=True).check()
        item.get_by_role("button", name="Spara bedömningen").click()
        expect(auditor.locator(f"#{item_id} .done")).to_have_text("Befogad")
    auditor.get_by_label("Slutsats").fill("Alla läsningar gjordes av teamet.")
    auditor.get_by_role("button", name="Signera", exact=True).click()
    auditor.wait_for_url(review_url)
    story.check(auditor, "log check signed off")
    assert "Signerad av audrey" in auditor.content()
    done(story)


def test_the_coordinator_reads_the_results_downloads_and_freezes_last_year(
    live_server: Any, browser: Any, case: Any, carl: Any
) -> None:
    story = Story(browser, live_server.url, "coordinator")
    coordinator = sign_in(story, carl)
    coordinator.get_by_role("link", name="Resultatredovisning").click()
    coordinator.wait_for_url("**/reports/results/")
    story.check(coordinator, "results report")
    html = coordinator.content()
    year = timezone.localdate().year
    assert f"Resultatredovisning {year}" in html
    assert "&lt;5" in html and "röjandekontroll" in html  # one case: a suppressed cell, and the footnote
    assert "<svg" in html
    with coordinator.expect_download() as download:
        coordinator.get_by_role("link", name="Ladda ner som CSV").click()
    assert open(download.value.path(), encoding="utf-8").read().startswith('"figure","row","column","value"')
    # This year is not over; last year is frozen from its own page.
    coordinator.get_by_label("År").fill(str(year - 1))
    coordinator.get_by_role("button", name="Visa").click()
    coordinator.wait_for_url(f"**/reports/results/?year={year - 1}*")
    coordinator.get_by_role("button", name=f"Frys {year - 1}").click()
    coordinator.wait_for_url(f"**/reports/results/?year={year - 1}")
    story.check(coordinator, "year frozen")
    assert "Fryst av carl" in coordinator.content()
    done(story)


def test_a_social_worker_takes_the_register_extract_as_a_pdf(
    live_server: Any, browser: Any, case: Any, alice: Any, carl: Any
) -> None:
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
    case_content.case_detail(reader=carl, case_id=case.pk)
    story = Story(browser, live_server.url, "extract")
    worker = sign_in(story, alice)
    worker.goto(f"/cases/{case.pk}/")
    worker.get_by_role("link", name="Registerutdrag (utskrift)").click()
    worker.wait_for_url("**/registerutdrag/")
    story.check(worker, "register extract page")
    worker.goto(f"/cases/{case.pk}/")
    with worker.expect_download() as download:
        worker.get_by_role("link", name="Registerutdrag som PDF").click()
    reader = PdfReader(BytesIO(open(download.value.path(), "rb").read()))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "Kim" in text and "Exempelsson" in text
    assert "carl" in text and "alice" in text  # who read it
    assert "Annan" not in text and "Ungdomsson" not in text  # no other youth
    done(story)


def test_an_administrator_approves_a_grant_in_the_admin(live_server: Any, browser: Any, adam: Any) -> None:
    bea = services.staff_create(username="bea", password=PASSWORD, role=Role.ADMIN, agency=None)
    bea.is_staff = bea.is_superuser = True
    bea.save()
    newcomer = get_user_model().objects.create_user(username="nils", password=PASSWORD)
    grant_request(actor=bea, user=newcomer, role="", agency=None, is_staff=False, is_superuser=False, enrolment=True)
    device = device_bootstrap(user=adam)
    story = Story(browser, live_server.url, "admin")
    admin = story.person()
    admin.goto("/admin/")
    story.check(admin, "admin sign in")
    admin.get_by_label("Användarnamn").fill("adam")
    admin.get_by_label("Lösenord").fill(PASSWORD)
    admin.get_by_label("Kod från autentiseringsappen").fill(code_for(device))
    admin.get_by_role("button", name="Logga in").click()
    admin.wait_for_url("**/admin/")
    story.check(admin, "admin start")
    admin.get_by_role("link", name="1 behörighetsbeslut att godkänna eller avslå").click()
    admin.wait_for_url("**/admin/accounts/accessgrant/?status__exact=pending")
    story.check(admin, "admin pending grants")
    admin.locator("input[name=_selected_action]").first.check()
    admin.locator("select[name=action]").select_option("approve")
    admin.get_by_role("button", name="Utför").click()
    story.check(admin, "admin enrolment code")
    html = admin.content()
    assert f"{live_server.url}/enrol/" in html and "<code>" in html
    assert AccessGrant.objects.get(user=newcomer).status == "approved"
    done(story)
