"""Users are Swedish: every message in the catalogue has a Swedish translation, none is fuzzy,
and the compiled catalogue is the one Django loads."""

from __future__ import annotations

import re
from pathlib import Path

from django.utils import translation

PO = Path(__file__).resolve().parents[2] / "locale" / "sv" / "LC_MESSAGES" / "django.po"


def test_every_message_has_a_swedish_translation() -> None:
    entries = PO.read_text().split("\n\n")[1:]  # the first block is the header
    untranslated = [e for e in entries if "#, fuzzy" in e or re.search(r'msgstr(\[0\])? ""$', e.strip())]
    assert untranslated == []


def test_the_compiled_catalogue_is_loaded() -> None:
    with translation.override("sv"):
        assert translation.gettext("Invalid page.") == "Ogiltig sida."
