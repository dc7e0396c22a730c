"""The browser for the stories: Debian's Chromium driven by Playwright (never `playwright install`),
axe-core on every page, a screenshot of every page (artifacts/screenshots/, git-ignored), and
every Content-Security-Policy violation or script error collected."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
BAD_IMPACTS = {"serious", "critical"}


class Story:
    """One story's browser: a context per person, each page checked as it is reached."""

    def __init__(self, browser: Any, base_url: str, name: str) -> None:
        from axe_playwright_python.sync_playwright import Axe

        self.browser = browser
        self.base_url = base_url
        self.name = name
        self.axe = Axe()
        self.shots = 0
        self.problems: list[str] = []
        self.pages_checked: list[str] = []
        SHOTS.mkdir(parents=True, exist_ok=True)

    def person(self) -> Any:
        context = self.browser.new_context(base_url=self.base_url, locale="sv-SE")
        page = context.new_page()
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"script error: {error}"))
        return page

    def _console(self, message: Any) -> None:
        text = message.text
        if message.type == "error" or "Content Security Policy" in text or "Content-Security-Policy" in text:
            # A page that answers 4xx on purpose logs "Failed to load resource": not a violation.
            if "Failed to load resource" not in text:
                self.problems.append(f"console {message.type}: {text}")

    def check(self, page: Any, label: str) -> None:
        """axe-core on the page as it is now (0 serious or critical violations) and a screenshot."""
        page.wait_for_load_state("load")
        results = self.axe.run(page)
        bad = [v for v in results.response["violations"] if v.get("impact") in BAD_IMPACTS]
        assert not bad, f"{label}: " + "; ".join(
            f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}" for v in bad
        )
        self.shots += 1
        slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
        page.screenshot(path=str(SHOTS / f"{self.name}-{self.shots:02d}-{slug}.png"), full_page=True)
        self.pages_checked.append(label)


@contextmanager
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()
