"""The one CSV writer of the service: every cell is neutralised against formula injection.

A spreadsheet (Excel, LibreOffice Calc, Google Sheets) runs a cell that starts with ``=``, ``+``,
``-`` or ``@`` as a formula, and a tab, carriage return, line feed or NUL in front of one is
skipped by some of them. A login attempt's username is written to the audit log unauthenticated
and later exported to an auditor, so any text cell may be an attacker's (issue 15).

The rule (OWASP "CSV Injection", ASVS 5.0 1.2.10): a text cell whose first character is one of
``= + - @``, their full-width forms (which Excel in East Asian locales also reads as formulas),
tab, carriage return, line feed or NUL, or which starts with spaces followed by one of these (or
with the quote itself), is written with a single quote in front: a spreadsheet shows it as text, and a program reading
the CSV gets the original value back by removing that one quote (``restore``). Every cell is
quoted (``QUOTE_ALL``), and quotes inside a cell are doubled (RFC 4180 2.6, 2.7), so a
separator or a line break in a value stays inside its cell.

Numbers written as numbers (``int``, ``float``, ``Decimal``) are the service's own values and are
written as they are: a negative count stays ``-3`` and is read as a number. A *text* cell that
looks like a negative number (``"-3"``) gets the quote like any other text starting with ``-``.
Dates and times are ISO 8601 and start with a digit, so they are never changed.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

TRIGGERS = frozenset("=+-@\t\r\n\0＝＋－＠")
QUOTE = "'"


def neutralise(value: Any) -> str | int | float | Decimal:
    """One cell as it is written: ``None`` empty, numbers as they are, text made inert."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float | Decimal):
        return value
    text = str(value)
    return QUOTE + text if _needs_quote(text) else text


def _needs_quote(text: str) -> bool:
    # A text already starting with the quote gets a second one, so ``restore`` is exact.
    return text[:1] == QUOTE or text.lstrip(" ")[:1] in TRIGGERS


def restore(cell: str) -> str:
    """The original text of a cell read back from a file this module wrote."""
    return cell[1:] if cell[:1] == QUOTE and _needs_quote(cell[1:]) else cell


class _Echo:
    """A file-like object whose ``write`` returns the line, so rows can be streamed."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """The CSV text of ``header`` and ``rows``, one line at a time (for a streaming response)."""
    writer = csv.writer(_Echo(), quoting=csv.QUOTE_ALL)
    yield writer.writerow([neutralise(name) for name in header])
    for row in rows:
        yield writer.writerow([neutralise(cell) for cell in row])
