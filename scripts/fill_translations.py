"""Fill the Swedish catalogue from a table of translations (a developer's tool for `make messages`):
python scripts/fill_translations.py TABLE.py. TABLE.py defines T (msgid -> msgstr) and P (msgid ->
(singular, plural)); entries it names lose their fuzzy flag and previous msgid. Prints what is
still untranslated."""

from __future__ import annotations

import runpy
import sys

import polib

PO = "locale/sv/LC_MESSAGES/django.po"


def main(table: str) -> int:
    names = runpy.run_path(table)
    singles, plurals = names.get("T", {}), names.get("P", {})
    po = polib.pofile(PO)
    missing = []
    for entry in po:
        if entry.obsolete:
            continue
        if entry.msgid in singles and not entry.msgid_plural:
            entry.msgstr = singles[entry.msgid]
        elif entry.msgid in plurals and entry.msgid_plural:
            entry.msgstr_plural = {0: plurals[entry.msgid][0], 1: plurals[entry.msgid][1]}
        else:
            if "fuzzy" in entry.flags or not (entry.msgstr or any(entry.msgstr_plural.values())):
                missing.append(entry.msgid)
            continue
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
        entry.previous_msgid = None
        entry.previous_msgid_plural = None
    po.save(PO)
    for msgid in missing:
        print("untranslated:", msgid)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
