"""Bar charts drawn on the server as SVG: readable without JavaScript, allowed by the CSP (no
inline style; presentation attributes only), and accessible (a title, and the figures in the
table beside each chart). A suppressed figure ("<5", "x") draws no bar and says so."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.html import escape

ROW = 28
LABEL = 190
WIDTH = 560


@dataclass(frozen=True)
class Bar:
    label: str
    value: Any  # an int, or the suppression mark


def bar_chart(title: str, bars: list[Bar]) -> str:
    numbers = [b.value for b in bars if isinstance(b.value, int)]
    top = max(numbers, default=0) or 1
    height = ROW * len(bars) + 10
    parts = [
        f'<svg class="chart" role="img" aria-labelledby="chart-{id(bars)}" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="chart-{id(bars)}">{escape(title)}</title>',
    ]
    for i, bar in enumerate(bars):
        y = i * ROW + 5
        parts.append(
            f'<text x="{LABEL - 8}" y="{y + 17}" text-anchor="end" font-size="13" fill="#1b1b1b">'
            f"{escape(bar.label)}</text>"
        )
        if isinstance(bar.value, int):
            length = round((WIDTH - LABEL - 60) * bar.value / top)
            parts.append(f'<rect x="{LABEL}" y="{y + 3}" width="{length}" height="{ROW - 8}" fill="#0b4f8a"/>')
            parts.append(
                f'<text x="{LABEL + length + 6}" y="{y + 17}" font-size="13" fill="#1b1b1b">{bar.value}</text>'
            )
        else:
            parts.append(
                f'<text x="{LABEL + 6}" y="{y + 17}" font-size="13" fill="#4a4a4a">{escape(str(bar.value))}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)
