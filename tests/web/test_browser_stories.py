"""The web UI's stories end to end in a real browser (Chromium, Playwright) against the live
server: what each person sees and does, axe-core on every page, no CSP violation, screenshots
in artifacts/screenshots/. Issue 16's three stories; keyboard only for the referral form."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from accounts.services import device_bootstrap
from tests.conftest import PASSWORD
from tests.factories import personal_number_for_age
from tests.web.browser import Story, chromium
from tests.web.conftest import code_for

# Playwright's sync API runs an event loop in this thread; the test's own ORM calls (setting up
# devices) are plain synchronous code all the same.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    # A live server's test ends by emptying the database; SQLite's DELETE meets the audit log's
    # append-only triggers, PostgreSQL's TRUNCATE does not. CI runs the stories on PostgreSQL.
    pytest.mark.skipif(connection.vendor != "postgresql", reason="browser stories run on PostgreSQL"),
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as running:
        yield running


def sign_in(story: Story, user: Any) -> Any:
    device = device_bootstrap(user=user)
    page = story.person()
    page.goto("/")
    story.check(page, f"sign in {user.username}")
    page.get_by_label("Användarnamn").fill(user.username)
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_label("Kod från autentiseringsappen").fill(code_for(device))
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url("**/start/")
    story.check(page, f"start {user.username}")
    return page


def keyboard_to(page: Any, name: str, limit: int = 40) -> None:
    """Tab until the field ``name`` has the focus (keyboard only)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.name") == name:
            return
    raise AssertionError(f"the keyboard never reached {name}")


def done(story: Story) -> None:
    assert not story.problems, story.problems


def test_sspf_referral_consent_and_withdrawal(
    live_server: Any, browser: Any, alice: Any, sara: Any, petra: Any
) -> None:
    story = Story(browser, live_server.url, "sspf")
    number = personal_number_for_age(12, serial=321)

    # A teacher files a referral, with the keyboard only.
    teacher = sign_in(story, sara)
    teacher.get_by_role("link", name="Lämna en orosanmälan").first.click()
    teacher.wait_for_url("**/referrals/new/")
    story.check(teacher, "referral form")
    teacher.locator("body").focus()
    keyboard_to(teacher, "youth_personal_number")
    teacher.keyboard.type(number)
    keyboard_to(teacher, "youth_given_name")
    teacher.keyboard.type("Ebba")
    keyboard_to(teacher, "youth_family_name")
    teacher.keyboard.type("Berättelsesson")
    keyboard_to(teacher, "concern")
    teacher.keyboard.type("Hög frånvaro sedan augusti och oro för umgänget.")
    keyboard_to(teacher, "urgent")
    teacher.keyboard.press("Tab")
    teacher.keyboard.press("Enter")
    teacher.wait_for_url(re.compile(r".*/referrals/[0-9a-f-]{36}/$"))
    story.check(teacher, "referral filed")
    assert "Mottagen, väntar på beslut" in teacher.content()
    assert "Hög frånvaro" not in teacher.content()  # the reporter sees the status, never the content

    # Social services open a case from it.
    worker = sign_in(story, alice)
    assert "1 orosanmälan väntar på beslut" in worker.content()
    worker.get_by_role("link", name="Öppna inkorgen").click()
    worker.wait_for_url("**/referrals/?status=received")
    story.check(worker, "intake queue")
    worker.locator("table a").first.click()
    worker.wait_for_url("**/referrals/*/")
    story.check(worker, "referral to decide")
    worker.get_by_label("Beslut", exact=True).select_option("open_case")
    worker.get_by_label("Skäl").fill("Samverkan i SSPF behövs.")
    worker.get_by_label("Spår (när ett ärende öppnas)").select_option("sspf")
    worker.get_by_label("Område (när ett ärende öppnas)").fill("Centrum")
    worker.get_by_role("button", name="Spara beslutet").click()
    worker.wait_for_url("**/cases/*/")
    case_url = worker.url
    story.check(worker, "case opened")
    assert "Ebba Berättelsesson" in worker.content()

    # The team, the custodians and joint custody.
    for username in ("sara", "petra"):
        worker.get_by_label("Användarnamn").fill(username)
        worker.get_by_role("button", name="Lägg till i teamet").click()
        worker.wait_for_url(case_url)
    for name in ("Anna Berättelsesson", "Bo Berättelsesson"):
        worker.get_by_role("link", name="Registrera en vårdnadshavare").click()
        worker.wait_for_url("**/guardians/")
        worker.get_by_label("Namn").fill(name)
        worker.get_by_role("button", name="Registrera").click()
        worker.wait_for_url(case_url)
    worker.get_by_label("Vårdnad").select_option("joint")
    worker.get_by_role("button", name="Spara vårdnad").click()
    worker.wait_for_url(case_url)
    story.check(worker, "case with team and custodians")

    # Both custodians consent: school and police, identity and meetings.
    starts = timezone.localtime() - timedelta(minutes=5)
    for giver in ("Anna Berättelsesson", "Bo Berättelsesson"):
        worker.get_by_role("link", name="Registrera ett samtycke").click()
        worker.wait_for_url("**/consents/new/")
        worker.get_by_label("Vem lämnar samtycket").select_option(label=giver)
        worker.get_by_label("Skolan").check()
        worker.get_by_label("Polisen").check()
        worker.get_by_label("Identitet").check()
        worker.get_by_label("Möten").check()
        worker.get_by_label("Gäller från").fill(starts.strftime("%Y-%m-%dT%H:%M"))
        worker.get_by_label("Gäller till").fill((starts + timedelta(days=180)).strftime("%Y-%m-%dT%H:%M"))
        worker.get_by_label("Hur det lämnades").select_option("oral")
        story.check(worker, f"consent form {giver}")
        worker.get_by_role("button", name="Registrera samtycket").click()
        worker.wait_for_url(case_url)
        if giver.startswith("Anna"):
            assert "Väntar:" in worker.content()  # the other custodian has not consented yet
    story.check(worker, "consents in force")
    assert "Gäller" in worker.content()

    # A meeting with an action plan, and a note the school may not see.
    worker.get_by_role("link", name="Registrera ett möte").click()
    worker.wait_for_url("**/meetings/new/")
    worker.get_by_label("När mötet hölls").fill(timezone.localtime().strftime("%Y-%m-%dT%H:%M"))
    worker.get_by_label("Anteckningar från mötet").fill("Ebba och vårdnadshavarna deltog.")
    worker.locator("#id_actions-0-agency").select_option("school")
    worker.locator("#id_actions-0-responsible").fill("Mentor")
    worker.locator("#id_actions-0-action").fill("Närvaroplan med mentor")
    story.check(worker, "meeting form")
    worker.get_by_role("button", name="Registrera mötet").click()
    worker.wait_for_url(case_url)
    worker.get_by_role("link", name="Skriv en anteckning").click()
    worker.wait_for_url("**/notes/new/")
    worker.get_by_label("Anteckning", exact=True).fill("Socialtjänstens egen bedömning, delas inte.")
    worker.get_by_role("button", name="Spara anteckningen").click()
    worker.wait_for_url(case_url)

    # The teacher sees identity and meetings, not the notes, and is told so.
    teacher.goto(case_url)
    story.check(teacher, "teacher reads the case")
    page = teacher.content()
    assert "Ebba Berättelsesson" in page and "Närvaroplan med mentor" in page
    assert "Socialtjänstens egen bedömning" not in page
    assert "Andra myndigheters anteckningar visas inte" in page
    assert "Delas med Skolan: identitet, möten" in page

    # A custodian withdraws: the teacher's next page load shows nothing.
    worker.goto(case_url)
    worker.get_by_role("link", name="Återkalla").first.click()
    worker.wait_for_url("**/withdraw/")
    story.check(worker, "withdraw form")
    worker.get_by_label("Skäl till återkallelsen").fill("Vårdnadshavaren ringde och återkallade.")
    worker.get_by_role("button", name="Återkalla").click()
    worker.wait_for_url(case_url)
    teacher.goto(case_url)
    story.check(teacher, "teacher after withdrawal")
    page = teacher.content()
    assert "Ebba" not in page and "Närvaroplan" not in page
    assert "Inget giltigt samtycke delar det här ärendet" in page
    done(story)


def test_linkoping_joint_visit(
    live_server: Any, browser: Any, linkoping_case: Any, alice: Any, petra: Any, sara: Any
) -> None:
    story = Story(browser, live_server.url, "linkoping")
    case_url = f"/cases/{linkoping_case.pk}/"
    worker = sign_in(story, alice)
    worker.goto(case_url)
    story.check(worker, "linkoping case")
    worker.get_by_role("link", name="Registrera ett hembesök").click()
    worker.wait_for_url("**/visits/new/")
    worker.get_by_label("När besöket gjordes").fill(timezone.localtime().strftime("%Y-%m-%dT%H:%M"))
    worker.get_by_label("alice (Socialtjänsten)").check()
    worker.get_by_label("petra (Polisen)").check()
    worker.get_by_label("Ungdomen", exact=True).check()
    worker.get_by_label("Grund för besöket").fill("Tips om narkotikakontakt.")
    worker.get_by_label("Vad som sades").fill("Samtal i köket med ungdomen och mamma.")
    worker.get_by_label("Familjen fick veta att besöket är frivilligt").check()
    worker.get_by_label("Drogtest erbjöds").check()
    worker.get_by_label("Drogtest accepterat").select_option("yes")
    worker.get_by_label("Provsvar").fill("Negativt")
    worker.get_by_label("Erbjudet stöd").fill("Samtal på Fältgruppen.")
    worker.get_by_label("Resultat").fill("Uppföljning om två veckor.")
    story.check(worker, "visit form")
    with worker.expect_navigation():
        worker.get_by_role("button", name="Registrera besöket").click()
    assert worker.url.endswith(case_url), worker.locator(".has-error").all_inner_texts()
    assert "Samtal i köket" in worker.content()

    police = sign_in(story, petra)
    police.goto(case_url)
    story.check(police, "police sees the visit")
    page = police.content()
    # A participant sees the visit itself; social services' own notes on it only under consent.
    assert "Tips om narkotikakontakt." in page and "Negativt" in page
    assert "Samtal i köket" not in page

    school = sign_in(story, sara)
    school.goto(case_url)
    story.check(school, "school does not")
    assert "Tips om narkotikakontakt." not in school.content() and "Negativt" not in school.content()
    assert "Inget giltigt samtycke delar det här ärendet" in school.content()
    done(story)


def test_closure_requested_and_approved(live_server: Any, browser: Any, case: Any, alice: Any, carl: Any) -> None:
    story = Story(browser, live_server.url, "closure")
    case_url = f"/cases/{case.pk}/"
    worker = sign_in(story, alice)
    worker.goto(case_url)
    worker.get_by_role("link", name="Begär avslut").click()
    worker.wait_for_url("**/close/")
    story.check(worker, "closure form")
    with worker.expect_navigation():
        worker.get_by_role("button", name="Avsluta eller begär avslut").click()
    story.check(worker, "closure form errors")
    assert worker.locator(".errorlist").count() >= 1  # the reason is required, shown by its field
    worker.get_by_label("Resultat").select_option("goal_reached")
    worker.get_by_label("Skäl").fill("Målen i planen är nådda.")
    worker.get_by_role("button", name="Avsluta eller begär avslut").click()
    worker.wait_for_url(f"**{case_url}")
    story.check(worker, "closure requested")
    assert "Avslut begärt" in worker.content()

    coordinator = sign_in(story, carl)
    assert "Ett avslut väntar på ditt godkännande" in coordinator.content()
    coordinator.goto(case_url)
    story.check(coordinator, "coordinator sees the request")
    coordinator.get_by_role("button", name="Godkänn avslutet").click()
    coordinator.wait_for_url(f"**{case_url}")
    story.check(coordinator, "case closed")
    assert "Avslutat" in coordinator.content()
    case.refresh_from_db()
    assert case.status == "closed"
    done(story)
