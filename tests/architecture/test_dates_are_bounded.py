"""Every date and time the service reads is refused outside 1900-2100 (issue 15, item 7): API views
use api.inputs' fields and filters, never DRF's or django-filter's own; web forms use
web.forms' bounded fields, never Django's own."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
API_RAW = re.compile(r"serializers\.Date(Time)?Field\(|django_filters\.(Iso)?Date(Time)?Filter\(")
WEB_RAW = re.compile(r"forms\.(Split)?Date(Time)?Field\(")
# api.inputs builds on them; api.common's one is for output only (times the API writes);
# web.forms' bounded fields subclass Django's (a class line, not a call: not counted).
ALLOWED = {("api", "inputs.py"): 99, ("api", "common.py"): 1, ("web", "forms.py"): 0}


@pytest.mark.parametrize(("package", "raw"), [("api", API_RAW), ("web", WEB_RAW)])
def test_nothing_reads_a_date_with_an_unbounded_field(package: str, raw: re.Pattern[str]) -> None:
    offenders = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        found = len(raw.findall(path.read_text(encoding="utf-8")))
        if found > ALLOWED.get((package, path.name), 0):
            offenders[str(path.relative_to(ROOT))] = found
    assert offenders == {}
