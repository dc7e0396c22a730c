"""Every date and time the API reads is refused outside 1900-2100 (issue 15, item 7): views use
api.inputs' fields and filters, never DRF's or django-filter's own."""

from __future__ import annotations

import re
from pathlib import Path

API = Path(__file__).resolve().parents[2] / "api"
RAW = re.compile(r"serializers\.Date(Time)?Field\(|django_filters\.(Iso)?Date(Time)?Filter\(")
# api.inputs builds on them; api.common's one is for output only (times the API writes).
ALLOWED = {"inputs.py": 99, "common.py": 1}


def test_no_view_reads_a_date_with_an_unbounded_field() -> None:
    offenders = {}
    for path in sorted(API.glob("*.py")):
        found = len(RAW.findall(path.read_text(encoding="utf-8")))
        if found > ALLOWED.get(path.name, 0):
            offenders[path.name] = found
    assert offenders == {}
