"""Issue 17's stories in Chromium: the auditor finds who read a case, exports the CSV, runs a log
check and signs it off; the coordinator reads the results report with suppressed cells, downloads
the CSV and freezes last year; a social worker takes the registerutdrag as a PDF, whose text is
read back. axe-core on every page, no CSP violation, screenshots in artifacts/screenshots/."""

from __future__ import annotations

import os
from collections.abc import Iterator
from io import BytesIO
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from pypdf import PdfReader

from cases import services
from content import case as case_content
from tests.conftest import YOUTH
from tests.factories import personal_number_for_age
from tests.web.browser import Story, chromium
from tests.web.test_browser_stories import done, sign_in

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="browser stories run on PostgreSQL"),
    # Written at the end of session 6 and not yet run to the end in CI: enabled by the next
    # session once it passes (issue 17 is open; the server-side tests of the same pages run).
    pytest.mark.skip(reason="issue 17: the oversight stories are not yet verified in CI"),
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
    while auditor.get_by_role("button", name="Spara bedömningen").count():
        auditor.get_by_label("Befogad", exact=True).first.check()
        auditor.get_by_role("button", name="Spara bedömningen").first.click()
        auditor.wait_for_url(review_url + "#item-*")
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
